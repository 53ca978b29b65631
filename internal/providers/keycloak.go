package providers

import (
	"errors"
	"net/url"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// newKeycloak returns Keycloak as Argilla's KeycloakOpenId backend uses it:
// OpenID Connect found by discovery at the realm URL from OIDC_ENDPOINT.
func newKeycloak(p config.Provider, opts Options) (Provider, error) {
	endpoint, _ := p.Setting("OIDC_ENDPOINT")
	endpointVar := settingVar(p, "OIDC_ENDPOINT")
	if endpoint == "" {
		return nil, errors.New("missing realm URL; set " + endpointVar +
			", for example https://keycloak.example.com/realms/argilla")
	}
	spec, err := endpointSpec(p, endpoint, endpointVar)
	if err != nil {
		return nil, err
	}
	spec.defaultScopes = []string{oidc.ScopeOpenID, "profile", "email"}
	spec.issuerHint = "make Keycloak advertise %q with its hostname option (KC_HOSTNAME)"
	spec.mapper = func(c claims, _ url.Values) (*Identity, error) { return keycloakIdentity(p, c) }
	return newOIDC(p, spec, opts), nil
}

// keycloakIdentity maps Keycloak's claims as Argilla does: the username
// from preferred_username, the first name from given_name, and the realm
// roles from realm_access.roles, which carry argilla_role:<role> and
// argilla_workspace:<name>.
func keycloakIdentity(p config.Provider, c claims) (*Identity, error) {
	identity, err := openIDIdentity(p, c)
	if err != nil {
		return nil, err
	}
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

// openIDIdentity maps standard OpenID Connect claims as social-core's
// OpenIdConnectAuth does: the username from USERNAME_KEY (default
// preferred_username), the first name from given_name.
func openIDIdentity(p config.Provider, c claims) (*Identity, error) {
	claim := usernameKey(p, "preferred_username")
	username := c.str(claim)
	if err := requireUsername(p.Name, claim, username); err != nil {
		return nil, err
	}
	return withFirstNameFallback(&Identity{
		Username:      username,
		FirstName:     c.str("given_name"),
		Email:         c.str("email"),
		EmailVerified: c.boolean("email_verified"),
	}), nil
}
