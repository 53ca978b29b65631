// Package config loads authproxy's configuration: Argilla's own OAuth file
// (.oauth.yaml or .oauth.yml), the environment variables Argilla and
// social-core read, and authproxy's own settings from flags, AUTHPROXY_*
// variables and the file's `authproxy` section. Every mistake found is
// reported at once, each naming the key, the value and the fix.
package config

import (
	"net/netip"
	"net/url"
	"time"
)

// Config is the validated configuration of one authproxy process.
type Config struct {
	// OAuthFile is the path of the Argilla OAuth file that was read.
	OAuthFile string
	// Enabled is false when the file sets Argilla 2.7's `enabled: false`:
	// no provider is offered, no workspace is created and no owner API key
	// is needed. Argilla 2.8 ignores the key.
	Enabled bool
	// Providers are the configured sign-in providers, in file order.
	Providers []Provider
	// AllowedWorkspaces are the workspaces every new user joins.
	AllowedWorkspaces []string
	// AllowHTTPRedirect makes redirect URIs use http instead of https, and
	// lets cookies go without the Secure attribute on plain http.
	AllowHTTPRedirect bool
	// ExtraBackends are the class paths from `extra_backends`.
	ExtraBackends []string

	// Listen is the address the proxy serves on.
	Listen string
	// MetricsListen is the address of the metrics listener, empty for none.
	MetricsListen string
	// Upstream is Argilla's URL as the proxy reaches it, without a path.
	Upstream *url.URL
	// PublicURL is the URL browsers use to reach Argilla through the proxy,
	// nil when each request's own host decides.
	PublicURL *url.URL
	// BasePath is Argilla's path prefix from ARGILLA_BASE_URL, "/" by
	// default, always with a leading and a trailing slash.
	BasePath string
	// CookieSecrets are 32-byte secrets: the first signs and encrypts, all
	// of them decrypt, so a new secret can be added before an old one goes.
	CookieSecrets [][]byte
	// ArgillaAPIKey is the API key of an Argilla owner, used to provision
	// users and workspaces.
	ArgillaAPIKey string
	// SessionTTL is how long a session lasts after sign-in.
	SessionTTL time.Duration
	// ClockSkew is the clock difference to identity providers allowed when
	// checking ID token expiry.
	ClockSkew time.Duration
	// TrustedProxies are the peers whose X-Forwarded-* and Forwarded
	// headers count. Empty means none.
	TrustedProxies []netip.Prefix
	// OwnerUsername is Argilla's USERNAME variable: that user becomes owner.
	OwnerUsername string
	// Identity decides which account, role and workspaces a sign-in gets.
	Identity Identity
	// LogLevel is one of debug, info, warn, error.
	LogLevel string

	// Warnings are problems that do not stop start-up, such as top-level
	// keys that Argilla also ignores.
	Warnings []Problem

	// sources maps each key printed by Describe to where its value came
	// from.
	sources map[string]string
}

// Provider is one entry of the file's `providers` list with every value
// resolved from the file and the environment.
type Provider struct {
	// Name is the provider's social-core name, such as "keycloak".
	Name string
	// Backend is the social-core backend behind Name.
	Backend      Backend
	ClientID     string
	ClientSecret string
	// Scopes are the requested scopes; nil means the provider's default.
	Scopes []string
	// RedirectURI is the configured redirect URI, an absolute URL or a
	// path; "/oauth/<name>/callback" by default. Config.RedirectURI turns
	// it into the URI sent to the provider.
	RedirectURI string
	// SyncUser updates role and workspaces at every sign-in.
	SyncUser bool

	// settings looks up a social-core setting for this provider.
	settings func(name string) variable
}

// Setting returns the value of social-core's setting name for this
// provider and the variable it came from. Like social-core, it reads
// SOCIAL_AUTH_<BACKEND>_<NAME>, then SOCIAL_AUTH_<NAME>, then name as
// given, and returns the first that is set, even when it is empty.
func (p Provider) Setting(name string) (value, source string) {
	if p.settings == nil {
		return "", ""
	}
	v := p.settings(name)
	return v.Value, v.Source
}

// OIDCEndpoint returns the URL under which the provider publishes
// /.well-known/openid-configuration, and where that URL came from: the
// OIDC_ENDPOINT setting, then (for huggingface) the OPENID_PROVIDER_URL
// variable of a Hugging Face Space, then the backend's default. It returns
// "" for providers that do not use OpenID Connect discovery.
func (p Provider) OIDCEndpoint() (value, source string) {
	if !p.Backend.ReadsOIDCEndpoint {
		return "", ""
	}
	if p.settings != nil {
		if v := p.settings(oidcEndpointSetting); v.Set {
			return v.Value, v.Source
		}
	}
	if p.Backend.DefaultOIDCEndpoint != "" {
		return p.Backend.DefaultOIDCEndpoint, "default"
	}
	return "", ""
}

// Source returns where the value of key came from: ".oauth.yaml:12",
// "env NAME", "flag -name" or "default". Keys are those printed by
// Describe, such as "providers.keycloak.client_id" or "upstream".
func (c *Config) Source(key string) string {
	return c.sources[key]
}
