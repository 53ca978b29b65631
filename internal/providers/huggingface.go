package providers

import (
	"net/url"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// huggingFaceIssuer is Hugging Face's OpenID Connect issuer, the default of
// Argilla's HuggingfaceOpenId backend.
const huggingFaceIssuer = "https://huggingface.co"

// newHuggingFace returns Hugging Face's OpenID Connect provider. The issuer
// may be replaced by the OIDC_ENDPOINT setting; on a Space, config also
// reads OPENID_PROVIDER_URL for it.
func newHuggingFace(p config.Provider, opts Options) (Provider, error) {
	issuer, _ := p.Setting("OIDC_ENDPOINT")
	if issuer == "" {
		issuer = huggingFaceIssuer
	}
	spec, err := endpointSpec(p, issuer, settingVar(p, "OIDC_ENDPOINT"))
	if err != nil {
		return nil, err
	}
	spec.defaultScopes = []string{oidc.ScopeOpenID, "profile"}
	spec.mapper = func(c claims, _ url.Values) (*Identity, error) { return openIDIdentity(p, c) }
	return newOIDC(p, spec, opts), nil
}
