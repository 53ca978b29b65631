package config

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
)

// Describe writes the effective configuration, one setting a line with
// the source of its value: a file and line, "env NAME", "flag -name" or
// "default". Secrets are printed as "<redacted>" or "(unset)".
func (c *Config) Describe(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	line := func(key, value string) {
		source := c.sources[key]
		if source == "" {
			source = "default"
		}
		fmt.Fprintf(tw, "%s\t%s\t# %s\n", key, printable(value), printable(source))
	}

	line("oauth_file", c.OAuthFile)
	line("enabled", strconv.FormatBool(c.Enabled))
	line("allow_http_redirect", strconv.FormatBool(c.AllowHTTPRedirect))
	line("allowed_workspaces", "["+strings.Join(c.AllowedWorkspaces, ", ")+"]")
	line("extra_backends", "["+strings.Join(c.ExtraBackends, ", ")+"]")
	for _, p := range c.Providers {
		key := "providers." + p.Name + "."
		line(key+"name", p.Name)
		line(key+"client_id", p.ClientID)
		line(key+"client_secret", redacted(p.ClientSecret))
		scopes := "(provider default)"
		if len(p.Scopes) > 0 {
			scopes = strings.Join(p.Scopes, " ")
		}
		line(key+"scope", scopes)
		line(key+"redirect_uri", p.RedirectURI)
		line(key+"sync_user", strconv.FormatBool(p.SyncUser))
		if p.Backend.ReadsOIDCEndpoint {
			endpoint, _ := p.OIDCEndpoint()
			line(key+"oidc_endpoint", endpoint)
		}
	}

	line("listen", c.Listen)
	line("metrics_listen", c.MetricsListen)
	upstream := ""
	if c.Upstream != nil {
		upstream = c.Upstream.String()
	}
	line("upstream", upstream)
	public := "(request host)"
	if c.PublicURL != nil {
		public = c.PublicURL.String()
	}
	line("public_url", public)
	line("base_path", c.BasePath)
	line("session_ttl", c.SessionTTL.String())
	line("clock_skew", c.ClockSkew.String())
	prefixes := make([]string, len(c.TrustedProxies))
	for i, p := range c.TrustedProxies {
		prefixes[i] = p.String()
	}
	line("trusted_proxies", "["+strings.Join(prefixes, ", ")+"]")
	secrets := fmt.Sprintf("<redacted: %d secrets>", len(c.CookieSecrets))
	if len(c.CookieSecrets) == 1 {
		secrets = "<redacted: 1 secret>"
	}
	line("cookie_secrets", secrets)
	line("argilla_api_key", redacted(c.ArgillaAPIKey))
	line("owner_username", c.OwnerUsername)
	line("log_level", c.LogLevel)
	c.describeIdentity(line)
	return tw.Flush()
}

func redacted(secret string) string {
	if secret == "" {
		return "(unset)"
	}
	return "<redacted>"
}

// printable quotes s when it has spaces at either end or characters that
// would break the line, such as a line break read from a variable.
func printable(s string) string {
	if s != strings.TrimSpace(s) || strings.ContainsFunc(s, func(r rune) bool {
		return !unicode.IsPrint(r) && r != ' '
	}) {
		return strconv.Quote(s)
	}
	return s
}
