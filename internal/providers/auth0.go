package providers

import (
	"errors"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// newAuth0 returns social-core's auth0 backend: OpenID Connect at the
// tenant domain from the DOMAIN setting. Auth0's issuer is
// https://<domain>/ with the trailing slash.
func newAuth0(p config.Provider, opts Options) (Provider, error) {
	domain, _ := p.Setting("DOMAIN")
	domainVar := settingVar(p, "DOMAIN")
	if domain == "" {
		return nil, errors.New("missing tenant domain; set " + domainVar + ", for example example.eu.auth0.com")
	}
	issuer := domain
	if !strings.Contains(issuer, "://") {
		issuer = "https://" + issuer
	}
	issuer = strings.TrimSuffix(issuer, "/") + "/"
	spec, err := endpointSpec(p, issuer, domainVar)
	if err != nil {
		return nil, err
	}
	spec.defaultScopes = []string{oidc.ScopeOpenID, "profile", "email"}
	spec.mapper = func(c claims, _ url.Values) (*Identity, error) { return auth0Identity(p, c) }
	return newOIDC(p, spec, opts), nil
}

// auth0Identity maps Auth0's claims as social-core does: the username from
// nickname, the first name from the first word of name.
func auth0Identity(p config.Provider, c claims) (*Identity, error) {
	claim := usernameKey(p, "nickname")
	username := c.str(claim)
	if err := requireUsername(p.Name, claim, username); err != nil {
		return nil, err
	}
	firstName := firstWord(c.str("name"))
	if firstName == "" {
		firstName = c.str("given_name")
	}
	return withFirstNameFallback(&Identity{
		Username:      username,
		FirstName:     firstName,
		Email:         c.str("email"),
		EmailVerified: c.boolean("email_verified"),
	}), nil
}
