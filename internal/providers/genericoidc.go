package providers

import (
	"errors"
	"net/url"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// newGenericOIDC returns social-core's generic "oidc" backend
// (OpenIdConnectAuth): any OpenID Connect provider found by discovery at
// OIDC_ENDPOINT.
func newGenericOIDC(p config.Provider, opts Options) (Provider, error) {
	endpoint, _ := p.Setting("OIDC_ENDPOINT")
	endpointVar := settingVar(p, "OIDC_ENDPOINT")
	if endpoint == "" {
		return nil, errors.New("missing issuer URL; set " + endpointVar +
			" to the URL that serves /.well-known/openid-configuration, without that suffix")
	}
	spec, err := endpointSpec(p, endpoint, endpointVar)
	if err != nil {
		return nil, err
	}
	spec.defaultScopes = []string{oidc.ScopeOpenID, "profile", "email"}
	spec.mapper = func(c claims, _ url.Values) (*Identity, error) { return openIDIdentity(p, c) }
	return newOIDC(p, spec, opts), nil
}
