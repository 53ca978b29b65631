package config

import (
	"fmt"
	"io"
	"strings"
)

// Describe writes the effective configuration, one setting a line with
// the source of its value. Secrets are printed as "<redacted>".
func (c *Config) Describe(w io.Writer) {
	line := func(key, value string) {
		source := c.sources[key]
		if source == "" {
			source = "default"
		}
		fmt.Fprintf(w, "%-40s %-50s # %s\n", key, value, source)
	}
	secret := func(v string) string {
		if v == "" {
			return "(unset)"
		}
		return "<redacted>"
	}

	line("oauth_file", c.OAuthFile)
	line("enabled", fmt.Sprint(c.Enabled))
	line("allow_http_redirect", fmt.Sprint(c.AllowHTTPRedirect))
	line("allowed_workspaces", "["+strings.Join(c.AllowedWorkspaces, ", ")+"]")
	line("extra_backends", "["+strings.Join(c.ExtraBackends, ", ")+"]")
	for _, p := range c.Providers {
		key := "providers." + p.Name + "."
		line(key+"client_id", p.ClientID)
		line(key+"client_secret", secret(p.ClientSecret))
		scopes := "(provider default)"
		if len(p.Scopes) > 0 {
			scopes = strings.Join(p.Scopes, " ")
		}
		line(key+"scope", scopes)
		line(key+"redirect_uri", p.RedirectURI)
		line(key+"sync_user", fmt.Sprint(p.SyncUser))
	}
	line("listen", c.Listen)
	line("metrics_listen", c.MetricsListen)
	line("upstream", c.Upstream.String())
	public := "(request host)"
	if c.PublicURL != nil {
		public = c.PublicURL.String()
	}
	line("public_url", public)
	line("base_path", c.BasePath)
	line("session_ttl", c.SessionTTL.String())
	prefixes := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		prefixes[i] = p.String()
	}
	line("trusted_proxies", "["+strings.Join(prefixes, ", ")+"]")
	line("cookie_secrets", fmt.Sprintf("<redacted: %d secrets>", len(c.CookieSecrets)))
	line("argilla_api_key", secret(c.ArgillaAPIKey))
	line("owner_username", c.OwnerUsername)
	line("log_level", c.LogLevel)
}
