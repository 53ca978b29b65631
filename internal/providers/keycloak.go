package providers

import (
	"net/http"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// keycloakIdentity maps Keycloak's claims as Argilla does: the username
// from preferred_username, the first name from given_name, and the realm
// roles from realm_access.roles, which carry argilla_role:<role> and
// argilla_workspace:<name>.
func keycloakIdentity(p config.Provider, c claims) (*Identity, error) {
	claim := usernameClaim(p)
	username := c.str(claim)
	if username == "" {
		return nil, &Error{Status: http.StatusUnprocessableEntity,
			Message: "the provider sent no " + claim + " claim, which is the Argilla username"}
	}
	identity := &Identity{
		Username:  username,
		FirstName: c.str("given_name"),
		Email:     c.str("email"),
	}
	identity.EmailVerified, _ = c["email_verified"].(bool)
	if realmAccess, ok := c["realm_access"].(map[string]any); ok {
		if roles, ok := realmAccess["roles"].([]any); ok {
			for _, r := range roles {
				if s, ok := r.(string); ok {
					identity.RealmRoles = append(identity.RealmRoles, s)
				}
			}
		}
	}
	return identity, nil
}
