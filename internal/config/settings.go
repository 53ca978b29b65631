package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults for authproxy's own settings.
const (
	DefaultListen     = ":6901"
	DefaultUpstream   = "http://127.0.0.1:6900"
	DefaultSessionTTL = 24 * time.Hour
	DefaultClockSkew  = time.Minute
	DefaultLogLevel   = "info"
)

// proxySetting is one of authproxy's own settings, which Argilla's file has
// no place for. A value comes from the flag, then the variable, then the
// key in the file's `authproxy` section, then the default. A flag given
// with an empty value counts. An empty variable or file value does not,
// so a compose file that passes an unset variable through changes nothing.
type proxySetting struct {
	// Key is the key under `authproxy:` and the key Describe prints.
	Key string
	// Flag is the command-line flag without its dash. Secrets have none,
	// because every user of the machine can read a process's arguments.
	Flag string
	// Env is the environment variable. Secrets are also read from the
	// file named by Env + "_FILE".
	Env     string
	Default string
	Secret  bool
	// Usage is the flag's help text.
	Usage string
}

var proxySettings = []proxySetting{
	{Key: "listen", Flag: "listen", Env: "AUTHPROXY_LISTEN", Default: DefaultListen,
		Usage: "address to serve on, as host:port"},
	{Key: "metrics_listen", Flag: "metrics-listen", Env: "AUTHPROXY_METRICS_LISTEN",
		Usage: "address to serve Prometheus metrics on, as host:port; empty disables them"},
	{Key: "upstream", Flag: "upstream", Env: "AUTHPROXY_UPSTREAM", Default: DefaultUpstream,
		Usage: "Argilla's URL as the proxy reaches it, without a path"},
	{Key: "public_url", Flag: "public-url", Env: "AUTHPROXY_PUBLIC_URL",
		Usage: "URL browsers use to reach Argilla through the proxy; replaces the request's host in redirect URIs"},
	{Key: "session_ttl", Flag: "session-ttl", Env: "AUTHPROXY_SESSION_TTL", Default: shortDuration(DefaultSessionTTL),
		Usage: "session lifetime after sign-in, such as 8h; at least 1m"},
	{Key: "clock_skew", Flag: "clock-skew", Env: "AUTHPROXY_CLOCK_SKEW", Default: shortDuration(DefaultClockSkew),
		Usage: "clock difference to the identity providers allowed when checking ID token expiry, such as 30s; at most 10m"},
	{Key: "trusted_proxies", Flag: "trusted-proxies", Env: "AUTHPROXY_TRUSTED_PROXIES",
		Usage: "comma-separated IP addresses or CIDR prefixes whose X-Forwarded-* and Forwarded headers count"},
	{Key: "log_level", Flag: "log-level", Env: "AUTHPROXY_LOG_LEVEL", Default: DefaultLogLevel,
		Usage: "debug, info, warn or error"},
	{Key: "username_conflict", Env: "AUTHPROXY_USERNAME_CONFLICT", Default: "reject",
		Usage: "what a sign-in gets when its username belongs to another account: reject or suffix"},
	{Key: "identity_links", Env: "AUTHPROXY_IDENTITY_LINKS",
		Usage: "provider:subject=username links of identities to existing Argilla accounts"},
	{Key: "link_existing_by_username", Env: "AUTHPROXY_LINK_EXISTING_BY_USERNAME",
		Usage: "providers whose sign-ins may take over an existing non-owner account of the same username"},
	{Key: "role_rules", Env: "AUTHPROXY_ROLE_RULES",
		Usage: "source:value=role rules that grant Argilla roles"},
	{Key: "workspace_rules", Env: "AUTHPROXY_WORKSPACE_RULES",
		Usage: "source:value=workspace rules that grant workspaces"},
	{Key: "cookie_secrets", Env: "AUTHPROXY_COOKIE_SECRETS", Secret: true},
	{Key: "argilla_api_key", Env: "AUTHPROXY_ARGILLA_API_KEY", Secret: true},
}

// shortDuration formats d without zero minutes and seconds: "24h" rather
// than "24h0m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// oauthFileFlag selects the OAuth file; it is not a proxySetting because
// it decides where the `authproxy` section is read from.
const oauthFileFlag = "oauth-config"

// proxyFileKeys returns the keys accepted in the file's `authproxy` section.
func proxyFileKeys() []string {
	keys := make([]string, len(proxySettings))
	for i, s := range proxySettings {
		keys[i] = s.Key
	}
	return keys
}

func proxySettingByKey(key string) proxySetting {
	for _, s := range proxySettings {
		if s.Key == key {
			return s
		}
	}
	panic("config: no proxy setting " + key)
}

// newFlagSet returns the flags that Load parses.
func newFlagSet(output io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("authproxy", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage:\n"+
			"  authproxy [serve] [flags]       run the proxy\n"+
			"  authproxy check-config [flags]  validate the configuration, print it with its sources and exit\n\n"+
			"Secrets come only from the environment or *_FILE files; docs/configuration.md lists every setting.\n\n"+
			"Flags:\n")
		fs.PrintDefaults()
	}
	fs.String(oauthFileFlag, "",
		"path of Argilla's OAuth file (default: ARGILLA_AUTH_OAUTH_CFG, then .oauth.yaml, then .oauth.yml)")
	for _, s := range proxySettings {
		if s.Flag != "" {
			fs.String(s.Flag, s.Default, s.Usage+" (env "+s.Env+")")
		}
	}
	return fs
}

// parseFlags parses the command-line flags into a map of the flags that
// were given, so that an unset flag never overrides the environment.
func parseFlags(args []string, output io.Writer) (map[string]string, error) {
	if output == nil {
		output = io.Discard
	}
	fs := newFlagSet(output)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q; flags come after the command", fs.Arg(0))
	}
	given := map[string]string{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = f.Value.String() })
	return given, nil
}

// proxyValue resolves the setting key and records its source.
func (l *loader) proxyValue(key string) string {
	s := proxySettingByKey(key)
	if v, ok := l.flags[s.Flag]; ok && s.Flag != "" {
		l.c.sources[key] = "flag -" + s.Flag
		return v
	}
	if v := l.env.get(s.Env, s.Secret); v.Value != "" {
		l.c.sources[key] = v.Source
		return v.Value
	}
	if fv, ok := l.file.Proxy[key]; ok && fv.Value != "" {
		l.c.sources[key] = l.at(fv.Line)
		return fv.Value
	}
	l.c.sources[key] = "default"
	return s.Default
}

// problem reports a mistake in a proxy setting, found where its value came
// from; a default or missing value has no place to name.
func (l *loader) problem(key, value, message, fix string) {
	where := l.c.sources[key]
	if where == "default" {
		where = ""
	}
	l.ps.add(Problem{Where: where, Key: key, Value: value, Message: message, Fix: fix})
}

// applyProxySettings reads and checks authproxy's own settings.
func (l *loader) applyProxySettings() {
	c := l.c

	c.Listen = l.listenAddress("listen")
	c.MetricsListen = l.listenAddress("metrics_listen")
	if c.MetricsListen != "" && sameListener(c.MetricsListen, c.Listen) {
		l.problem("metrics_listen", c.MetricsListen, "the same address as listen",
			"serve metrics on another port, such as :9090")
	}

	c.LogLevel = l.proxyValue("log_level")
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		l.problem("log_level", c.LogLevel, "unknown log level", "use debug, info, warn or error")
	}

	l.applyUpstream()
	l.applyPublicURL()
	l.applyBasePath()

	ttl := l.proxyValue("session_ttl")
	if d, err := time.ParseDuration(ttl); err != nil || d < time.Minute {
		l.problem("session_ttl", ttl, "not a duration of at least 1m", "write a duration such as 8h or 24h")
	} else {
		c.SessionTTL = d
	}

	skew := l.proxyValue("clock_skew")
	if d, err := time.ParseDuration(skew); err != nil || d < 0 || d > 10*time.Minute {
		l.problem("clock_skew", skew, "not a duration from 0s to 10m", "write a duration such as 30s or 2m")
	} else {
		c.ClockSkew = d
	}

	for _, raw := range splitList(l.proxyValue("trusted_proxies")) {
		prefix, err := netip.ParsePrefix(raw)
		if err != nil {
			addr, addrErr := netip.ParseAddr(raw)
			if addrErr != nil {
				l.problem("trusted_proxies", raw, "not an IP address or CIDR prefix",
					"write addresses or prefixes such as 10.0.0.0/8 or 127.0.0.1, separated by commas")
				continue
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
	}

	l.applyCookieSecrets()

	c.ArgillaAPIKey = l.proxyValue("argilla_api_key")
	if c.ArgillaAPIKey == "" && c.Enabled && !l.ps.hasKey("AUTHPROXY_ARGILLA_API_KEY_FILE") {
		l.problem("argilla_api_key", "", "missing Argilla owner API key, which provisioning needs",
			"set AUTHPROXY_ARGILLA_API_KEY or AUTHPROXY_ARGILLA_API_KEY_FILE to the API key of an Argilla owner")
	}
	if strings.IndexFunc(c.ArgillaAPIKey, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		// Such a key cannot be sent as a header value.
		l.problem("argilla_api_key", "", "the API key contains white space or control characters",
			"copy the key again; it is the api_key field of GET /api/v1/me for an Argilla owner")
	}

	c.sources["owner_username"] = "default"
	if v := l.env.get("USERNAME", false); v.Set {
		c.OwnerUsername = v.Value
		c.sources["owner_username"] = v.Source
	}

	l.applyIdentity()
}

// sameListener reports whether the listen addresses a and b would bind the
// same port: the same port with the same host, or with either host empty or
// a wildcard address.
func sameListener(a, b string) bool {
	hostA, portA, errA := net.SplitHostPort(a)
	hostB, portB, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil || portA != portB {
		return false
	}
	wildcard := func(h string) bool { return h == "" || h == "0.0.0.0" || h == "::" }
	return hostA == hostB || wildcard(hostA) || wildcard(hostB)
}

func (l *loader) listenAddress(key string) string {
	address := l.proxyValue(key)
	if address == "" {
		if key == "listen" {
			l.problem(key, "", "missing listen address", "write an address such as :6901")
		}
		return ""
	}
	_, port, err := net.SplitHostPort(address)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		l.problem(key, address, "not a host:port address", "write an address such as :6901 or 127.0.0.1:6901")
	}
	return address
}

func (l *loader) applyUpstream() {
	upstream := l.proxyValue("upstream")
	u, err := parseHTTPURL(upstream)
	switch {
	case err != nil:
		l.problem("upstream", upstream, err.Error(),
			"write Argilla's URL as the proxy reaches it, such as http://127.0.0.1:6900")
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "":
		l.problem("upstream", upstream, "must not have a path, query or fragment",
			"write only scheme, host and port; set Argilla's path prefix in ARGILLA_BASE_URL")
	default:
		u.Path = ""
		l.c.Upstream = u
	}
}

func (l *loader) applyPublicURL() {
	public := l.proxyValue("public_url")
	if public == "" {
		return
	}
	u, err := parseHTTPURL(public)
	switch {
	case err != nil:
		l.problem("public_url", public, err.Error(), "write the URL browsers open, such as https://argilla.example.com")
	case u.RawQuery != "" || u.Fragment != "":
		l.problem("public_url", public, "must not have a query or fragment", "remove everything after the path")
	case u.Scheme == "http" && !l.c.AllowHTTPRedirect:
		// Cookies would get the Secure attribute, which browsers drop on
		// plain http, and every sign-in would start over.
		l.problem("public_url", public, "uses http while allow_http_redirect is false",
			"use an https URL, or set `allow_http_redirect: true` in the OAuth file for local development")
	default:
		l.c.PublicURL = u
	}
}

// applyBasePath reads ARGILLA_BASE_URL and normalises it as Argilla 2.8
// does: "/" when empty, with a leading and a trailing slash added.
func (l *loader) applyBasePath() {
	c := l.c
	c.BasePath = "/"
	c.sources["base_path"] = "default"
	v := l.env.get("ARGILLA_BASE_URL", false)
	if v.Value == "" {
		return
	}
	c.sources["base_path"] = v.Source
	u, err := url.Parse(v.Value)
	if err != nil || u.Scheme != "" || u.Host != "" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		l.ps.add(Problem{Where: v.Source, Key: "base_path", Value: v.Value,
			Message: "not a path", Fix: "write Argilla's path prefix, such as /argilla/"})
		return
	}
	c.BasePath = "/" + strings.TrimPrefix(v.Value, "/")
	if !strings.HasSuffix(c.BasePath, "/") {
		c.BasePath += "/"
	}
}

func (l *loader) applyCookieSecrets() {
	raw := l.proxyValue("cookie_secrets")
	secrets := splitList(raw)
	// An unreadable AUTHPROXY_COOKIE_SECRETS_FILE is reported already.
	if len(secrets) == 0 && !l.ps.hasKey("AUTHPROXY_COOKIE_SECRETS_FILE") {
		l.problem("cookie_secrets", "", "missing cookie secret",
			"set AUTHPROXY_COOKIE_SECRETS or AUTHPROXY_COOKIE_SECRETS_FILE to the output of `openssl rand -base64 32`")
	}
	if len(secrets) > 0 && len(secrets) != len(strings.Split(raw, ",")) {
		// A stray comma usually means a secret was lost in an edit.
		l.problem("cookie_secrets", "", "the list has an empty entry",
			"remove the extra comma, or put back the secret that was there")
	}
	for i, s := range secrets {
		key, err := decodeSecret(s)
		if err != nil {
			l.problem("cookie_secrets", "", fmt.Sprintf("secret %d of %d: %v", i+1, len(secrets), err),
				"generate each secret with `openssl rand -base64 32`")
			continue
		}
		l.c.CookieSecrets = append(l.c.CookieSecrets, key)
	}
}

// decodeSecret decodes a base64 (standard or URL alphabet, padded or not)
// secret of exactly 32 bytes. The error never contains the secret.
func decodeSecret(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{
		base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding,
	} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("decodes to %d bytes, expected 32", len(key))
		}
		return key, nil
	}
	return nil, errors.New("not valid base64")
}

// parseHTTPURL parses an absolute http or https URL with a host.
func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil && strings.Contains(raw, "://") {
		return nil, errors.New("not a valid URL")
	}
	if err != nil || u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("not an absolute http or https URL")
	}
	if u.Host == "" {
		return nil, errors.New("URL without a host")
	}
	if u.User != nil {
		return nil, errors.New("URL with a user or password")
	}
	return u, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var list []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			list = append(list, part)
		}
	}
	return list
}
