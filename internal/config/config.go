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
	// no provider is offered and no workspace is created.
	Enabled bool
	// Providers are the configured sign-in providers, in file order.
	Providers []Provider
	// AllowedWorkspaces are the workspaces every new user joins.
	AllowedWorkspaces []string
	// AllowHTTPRedirect lets redirect URIs and cookies use plain http.
	AllowHTTPRedirect bool
	// ExtraBackends are the social-core class paths from `extra_backends`.
	ExtraBackends []string

	// Listen is the address the proxy serves on.
	Listen string
	// MetricsListen is the address of the metrics listener, empty for none.
	MetricsListen string
	// Upstream is Argilla's base URL as the proxy reaches it.
	Upstream *url.URL
	// PublicURL is the origin (and optional path) browsers use, nil when the
	// request's own host decides.
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
	// TrustedProxies are the peers whose X-Forwarded-* and Forwarded
	// headers count. Empty means none.
	TrustedProxies []netip.Prefix
	// OwnerUsername is Argilla's USERNAME variable: that user becomes owner.
	OwnerUsername string
	// Identity decides which account, role and workspaces a sign-in gets.
	Identity Identity
	// LogLevel is one of debug, info, warn, error.
	LogLevel string

	// Warnings are problems that do not stop start-up, such as unknown
	// top-level keys that Argilla also ignores.
	Warnings []string

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
	// RedirectURI is the configured redirect URI, absolute or a path;
	// "/oauth/<name>/callback" by default.
	RedirectURI string
	// SyncUser updates role and workspaces at every sign-in.
	SyncUser bool

	settings settingLookup
}

// Setting returns the social-core setting name for this provider, looked
// up as SOCIAL_AUTH_<BACKEND>_<NAME>, then SOCIAL_AUTH_<NAME>, then <NAME>
// (each also as <VARIABLE>_FILE), and the variable it came from.
func (p Provider) Setting(name string) (value, source string) {
	if p.settings == nil {
		return "", ""
	}
	return p.settings(name)
}

// Source returns where the value of key came from: "file.yml:12",
// "env NAME", "flag -name" or "default". Keys are those printed by
// Describe, such as "providers.keycloak.client_id" or "upstream".
func (c *Config) Source(key string) string {
	return c.sources[key]
}

type settingLookup func(name string) (value, source string)
