package providers

import (
	"errors"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// newOkta returns social-core's okta-openidconnect backend: OpenID Connect
// at the authorization server that API_URL names.
func newOkta(p config.Provider, opts Options) (Provider, error) {
	apiURL, _ := p.Setting("API_URL")
	apiVar := settingVar(p, "API_URL")
	if apiURL == "" {
		return nil, errors.New("missing authorization server URL; set " + apiVar +
			", for example https://example.okta.com/oauth2/default")
	}
	if err := checkURL(apiVar, apiURL); err != nil {
		return nil, err
	}
	spec, err := endpointSpec(p, oktaIssuer(apiURL), apiVar)
	if err != nil {
		return nil, err
	}
	spec.defaultScopes = []string{oidc.ScopeOpenID, "profile", "email"}
	spec.mapper = func(c claims, _ url.Values) (*Identity, error) { return openIDIdentity(p, c) }
	return newOIDC(p, spec, opts), nil
}

// oktaIssuer returns the issuer for social-core's API_URL, under which it
// finds v1/authorize and v1/token. A custom authorization server
// (https://example.okta.com/oauth2/default) is its own issuer; the org
// authorization server (https://example.okta.com/oauth2) has the bare
// origin as issuer.
func oktaIssuer(apiURL string) string {
	apiURL = strings.TrimSuffix(apiURL, "/")
	if origin, ok := strings.CutSuffix(apiURL, "/oauth2"); ok {
		return origin
	}
	return apiURL
}
