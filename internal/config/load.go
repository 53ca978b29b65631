package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"
)

// Defaults for authproxy's own settings.
const (
	DefaultListen     = ":6901"
	DefaultUpstream   = "http://127.0.0.1:6900"
	DefaultSessionTTL = 24 * time.Hour
)

// Options are the inputs of Load; zero fields use the process's own.
type Options struct {
	// Args are the command-line flags, without the program name.
	Args []string
	// Env replaces os.LookupEnv.
	Env Environment
	// ReadFile replaces os.ReadFile, for the OAuth file and *_FILE secrets.
	ReadFile func(string) ([]byte, error)
	// Stat replaces os.Stat when searching the default file names.
	Stat func(string) (os.FileInfo, error)
	// FlagOutput receives flag usage text; io.Discard by default.
	FlagOutput io.Writer
}

// Load reads and validates the whole configuration. On mistakes it returns
// an *Error listing every one of them.
func Load(opts Options) (*Config, error) {
	env := osEnvironment()
	if opts.Env != nil {
		env.lookup = opts.Env
	}
	if opts.ReadFile != nil {
		env.readFile = opts.ReadFile
	}
	stat := os.Stat
	if opts.Stat != nil {
		stat = opts.Stat
	}
	ps := &problems{}
	env.problems = ps

	flags, err := parseFlags(opts.Args, opts.FlagOutput)
	if err != nil {
		return nil, err
	}

	c := &Config{Enabled: true, sources: map[string]string{}}
	l := loader{c: c, env: env, ps: ps, flags: flags}

	path, source := l.oauthFilePath(stat)
	c.OAuthFile = path
	c.sources["oauth_file"] = source
	content, err := env.readFile(path)
	if err != nil {
		ps.add(Problem{
			Where: source, Key: "oauth_file", Value: path,
			Message: fmt.Sprintf("cannot read the OAuth file: %v", errors.Unwrap(err)),
			Fix:     "create the file, or set ARGILLA_AUTH_OAUTH_CFG or -oauth-config to its path",
		})
	} else if f := parseOAuthFile(path, content, ps); f != nil {
		l.file = f
		l.applyFile()
	}
	if l.file == nil {
		l.file = &oauthFile{Path: path, Proxy: map[string]fileValue{}}
	}

	l.applyProxySettings()
	if err := ps.err(); err != nil {
		return nil, err
	}
	return c, nil
}

type loader struct {
	c     *Config
	env   environment
	ps    *problems
	flags map[string]string
	file  *oauthFile
}

// oauthFilePath picks the OAuth file: the -oauth-config flag, then
// ARGILLA_AUTH_OAUTH_CFG, then .oauth.yaml (Argilla's default), then
// .oauth.yml (the name Argilla's documentation uses).
func (l *loader) oauthFilePath(stat func(string) (os.FileInfo, error)) (path, source string) {
	if v, ok := l.flags["oauth-config"]; ok {
		return v, "flag -oauth-config"
	}
	if v, source, ok := l.env.get("ARGILLA_AUTH_OAUTH_CFG"); ok {
		return v, source
	}
	for _, name := range []string{".oauth.yaml", ".oauth.yml"} {
		if _, err := stat(name); err == nil {
			return name, "default"
		}
	}
	return ".oauth.yaml", "default"
}

func (l *loader) at(line int) string {
	return fmt.Sprintf("%s:%d", l.file.Path, line)
}

func (l *loader) applyFile() {
	f, c := l.file, l.c

	for _, k := range f.UnknownKeys {
		c.Warnings = append(c.Warnings, fmt.Sprintf(
			"%s: unknown top-level key %q is ignored, as Argilla ignores it", l.at(k.Line), k.Value))
	}

	if f.Enabled.Set {
		enabled, err := parseBool(f.Enabled.Value)
		if err != nil {
			l.ps.add(Problem{Where: l.at(f.Enabled.Line), Key: "enabled", Value: f.Enabled.Value,
				Message: "not a boolean", Fix: "write true or false"})
		}
		c.Enabled = enabled
		c.sources["enabled"] = l.at(f.Enabled.Line)
	}

	c.sources["allow_http_redirect"] = "default"
	if f.AllowHTTPRedirect.Set {
		allow, err := parseBool(f.AllowHTTPRedirect.Value)
		if err != nil {
			l.ps.add(Problem{Where: l.at(f.AllowHTTPRedirect.Line), Key: "allow_http_redirect",
				Value: f.AllowHTTPRedirect.Value, Message: "not a boolean", Fix: "write true or false"})
		}
		c.AllowHTTPRedirect = allow
		c.sources["allow_http_redirect"] = l.at(f.AllowHTTPRedirect.Line)
	}

	c.sources["allowed_workspaces"] = "default"
	if len(f.AllowedWorkspaces) > 0 {
		c.sources["allowed_workspaces"] = l.at(f.AllowedWorkspaces[0].Name.Line)
	}
	c.sources["extra_backends"] = "default"
	if len(f.ExtraBackends) > 0 {
		c.sources["extra_backends"] = l.at(f.ExtraBackends[0].Line)
	}

	seenWorkspace := map[string]bool{}
	for _, w := range f.AllowedWorkspaces {
		if seenWorkspace[w.Name.Value] {
			c.Warnings = append(c.Warnings, fmt.Sprintf(
				"%s: workspace %q is listed twice", l.at(w.Name.Line), w.Name.Value))
			continue
		}
		seenWorkspace[w.Name.Value] = true
		c.AllowedWorkspaces = append(c.AllowedWorkspaces, w.Name.Value)
	}

	enabledExtra := map[string]bool{}
	for _, e := range f.ExtraBackends {
		b, ok := backendByClass(e.Value)
		if !ok {
			l.ps.add(Problem{
				Where: l.at(e.Line), Key: "extra_backends", Value: e.Value,
				Message: "not a supported OAuth2 backend",
				Fix:     "use one of " + strings.Join(extraClasses(), ", "),
			})
			continue
		}
		enabledExtra[b.Name] = true
		c.ExtraBackends = append(c.ExtraBackends, e.Value)
	}

	seenProvider := map[string]int{}
	for _, fp := range f.Providers {
		name := fp.Name.Value
		if line, dup := seenProvider[name]; dup {
			l.ps.add(Problem{
				Where: l.at(fp.Name.Line), Key: "providers.name", Value: name,
				Message: fmt.Sprintf("provider already configured at line %d", line),
				Fix:     "keep one entry per provider",
			})
			continue
		}
		seenProvider[name] = fp.Name.Line

		b, ok := backends[name]
		if !ok {
			fix := "use one of " + strings.Join(l.acceptedNames(enabledExtra), ", ")
			if near := nearestName(name, l.acceptedNames(enabledExtra)); near != "" {
				fix = fmt.Sprintf("did you mean %q? Accepted names: %s", near, strings.Join(l.acceptedNames(enabledExtra), ", "))
			}
			l.ps.add(Problem{Where: l.at(fp.Name.Line), Key: "providers.name", Value: name,
				Message: "unsupported provider", Fix: fix})
			continue
		}
		if !b.Builtin && !enabledExtra[name] {
			l.ps.add(Problem{
				Where: l.at(fp.Name.Line), Key: "providers.name", Value: name,
				Message: "this provider needs its backend in `extra_backends`",
				Fix:     fmt.Sprintf("add `extra_backends: [%s]` at the top level", b.Class),
			})
			continue
		}
		c.Providers = append(c.Providers, l.provider(fp, b))
	}
}

func (l *loader) acceptedNames(enabledExtra map[string]bool) []string {
	names := builtinNames()
	for name := range enabledExtra {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// provider resolves one provider's values with Argilla's precedence: the
// file, then OAUTH2_<NAME>_<PROPERTY> (name upper-cased, hyphen kept),
// then social-core's settings.
func (l *loader) provider(fp fileProvider, b Backend) Provider {
	p := Provider{Name: b.Name, Backend: b}
	key := "providers." + p.Name + "."
	argillaPrefix := "OAUTH2_" + strings.ToUpper(p.Name) + "_"
	// Argilla's documentation promises these names; no Argilla code reads
	// them, but operators copy them from the documentation.
	documentedPrefix := "ARGILLA_OAUTH2_" + envName(p.Name) + "_"

	p.settings = func(name string) (string, string) {
		names := socialSettingNames(p.Name, name)
		// A Hugging Face Space passes the issuer as OPENID_PROVIDER_URL.
		if p.Name == "huggingface" && name == "OIDC_ENDPOINT" {
			names = append(names, "OPENID_PROVIDER_URL")
		}
		value, source, _ := l.env.first(names...)
		return value, source
	}

	resolve := func(property string, fv fileValue, extra ...string) (string, string, []string) {
		if fv.Set && fv.Value != "" {
			return fv.Value, l.at(fv.Line), nil
		}
		names := []string{argillaPrefix + strings.ToUpper(property)}
		if property == "client_id" || property == "client_secret" {
			names = append(names, documentedPrefix+strings.ToUpper(property))
		}
		names = append(names, extra...)
		setting := map[string]string{"client_id": "KEY", "client_secret": "SECRET", "scope": "SCOPE"}[property]
		names = append(names, socialSettingNames(p.Name, setting)...)
		value, source, _ := l.env.first(names...)
		return value, source, names
	}

	var spaceID, spaceSecret, spaceScopes []string
	if p.Name == "huggingface" {
		// A Hugging Face Space with hf_oauth sets these; Argilla's image
		// copies them into OAUTH2_HUGGINGFACE_*.
		spaceID, spaceSecret, spaceScopes = []string{"OAUTH_CLIENT_ID"}, []string{"OAUTH_CLIENT_SECRET"}, []string{"OAUTH_SCOPES"}
	}

	clientID, c1, idNames := resolve("client_id", fp.ClientID, spaceID...)
	clientSecret, c2, secretNames := resolve("client_secret", fp.ClientSecret, spaceSecret...)
	p.ClientID, p.ClientSecret = clientID, clientSecret
	scope, c3, _ := resolve("scope", fp.Scope, spaceScopes...)
	l.c.sources[key+"client_id"] = c1
	l.c.sources[key+"client_secret"] = c2
	if scope != "" {
		p.Scopes = strings.Fields(strings.ReplaceAll(scope, ",", " "))
		l.c.sources[key+"scope"] = c3
	} else {
		l.c.sources[key+"scope"] = "default"
	}

	if p.ClientID == "" {
		l.ps.add(Problem{
			Where: l.at(fp.Line), Key: key + "client_id",
			Message: "missing client id",
			Fix:     "set client_id in the file or one of " + strings.Join(idNames, ", "),
		})
	}
	if p.ClientSecret == "" {
		l.ps.add(Problem{
			Where: l.at(fp.Line), Key: key + "client_secret",
			Message: "missing client secret",
			Fix:     "set client_secret in the file or one of " + strings.Join(secretNames, ", "),
		})
	}

	p.RedirectURI = "/oauth/" + p.Name + "/callback"
	l.c.sources[key+"redirect_uri"] = "default"
	if fp.RedirectURI.Set && fp.RedirectURI.Value != "" {
		p.RedirectURI = fp.RedirectURI.Value
		l.c.sources[key+"redirect_uri"] = l.at(fp.RedirectURI.Line)
		if !strings.HasPrefix(p.RedirectURI, "/") {
			if _, err := parseHTTPURL(p.RedirectURI); err != nil {
				l.ps.add(Problem{
					Where: l.at(fp.RedirectURI.Line), Key: key + "redirect_uri", Value: p.RedirectURI,
					Message: err.Error(),
					Fix:     "write a path such as /oauth/" + p.Name + "/callback or an absolute http(s) URL",
				})
			}
		}
	}

	l.c.sources[key+"sync_user"] = "default"
	if fp.SyncUser.Set {
		sync, err := parseBool(fp.SyncUser.Value)
		if err != nil {
			l.ps.add(Problem{Where: l.at(fp.SyncUser.Line), Key: key + "sync_user", Value: fp.SyncUser.Value,
				Message: "not a boolean", Fix: "write true or false"})
		}
		p.SyncUser = sync
		l.c.sources[key+"sync_user"] = l.at(fp.SyncUser.Line)
	}

	if p.Name == "keycloak" {
		endpoint, source := p.Setting("OIDC_ENDPOINT")
		if endpoint == "" {
			l.ps.add(Problem{
				Where: l.at(fp.Line), Key: key + "oidc_endpoint",
				Message: "keycloak needs its realm URL",
				Fix: "set " + strings.Join(socialSettingNames("keycloak", "OIDC_ENDPOINT"), " or ") +
					", for example http://keycloak:8080/realms/argilla",
			})
		} else if _, err := parseHTTPURL(endpoint); err != nil {
			l.ps.add(Problem{Where: source, Key: key + "oidc_endpoint", Value: endpoint,
				Message: err.Error(), Fix: "write the realm URL, for example http://keycloak:8080/realms/argilla"})
		}
	}
	return p
}

// applyProxySettings reads authproxy's own settings: flag, then
// AUTHPROXY_* variable, then the file's `authproxy` section, then default.
func (l *loader) applyProxySettings() {
	c := l.c

	c.Listen = l.proxySetting("listen", DefaultListen)
	c.MetricsListen = l.proxySetting("metrics_listen", "")
	c.LogLevel = l.proxySetting("log_level", "info")
	if !contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		l.problem("log_level", c.LogLevel, "unknown log level", "use debug, info, warn or error")
	}

	upstream := l.proxySetting("upstream", DefaultUpstream)
	u, err := parseHTTPURL(upstream)
	if err != nil {
		l.problem("upstream", upstream, err.Error(), "write Argilla's URL as the proxy reaches it, e.g. http://127.0.0.1:6900")
	}
	c.Upstream = u

	if public := l.proxySetting("public_url", ""); public != "" {
		u, err := parseHTTPURL(public)
		switch {
		case err != nil:
			l.problem("public_url", public, err.Error(), "write the URL browsers open, e.g. https://argilla.example.com")
		case u.RawQuery != "" || u.Fragment != "":
			l.problem("public_url", public, "must not have a query or fragment", "remove everything after the path")
		default:
			c.PublicURL = u
		}
	}

	c.BasePath = "/"
	c.sources["base_path"] = "default"
	if v, source, ok := l.env.get("ARGILLA_BASE_URL"); ok {
		c.BasePath = "/" + strings.Trim(v, "/") + "/"
		if c.BasePath == "//" {
			c.BasePath = "/"
		}
		c.sources["base_path"] = source
	}

	ttl := l.proxySetting("session_ttl", DefaultSessionTTL.String())
	if d, err := time.ParseDuration(ttl); err != nil || d < time.Minute {
		l.problem("session_ttl", ttl, "must be a duration of at least 1m", "write e.g. 8h or 24h")
	} else {
		c.SessionTTL = d
	}

	for _, raw := range splitList(l.proxySetting("trusted_proxies", "")) {
		prefix, err := netip.ParsePrefix(raw)
		if err != nil {
			addr, addrErr := netip.ParseAddr(raw)
			if addrErr != nil {
				l.problem("trusted_proxies", raw, "not an IP address or CIDR prefix", "write e.g. 10.0.0.0/8 or 127.0.0.1")
				continue
			}
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
	}

	secrets := l.proxySecret("cookie_secrets")
	if secrets == "" {
		l.problem("cookie_secrets", "", "missing cookie secret",
			"set AUTHPROXY_COOKIE_SECRETS (or AUTHPROXY_COOKIE_SECRETS_FILE) to the output of `openssl rand -base64 32`")
	}
	for i, s := range splitList(secrets) {
		key, err := decodeSecret(s)
		if err != nil {
			l.problem("cookie_secrets", "", fmt.Sprintf("secret %d of %d: %v", i+1, len(splitList(secrets)), err),
				"generate each secret with `openssl rand -base64 32`")
			continue
		}
		c.CookieSecrets = append(c.CookieSecrets, key)
	}

	c.ArgillaAPIKey = l.proxySecret("argilla_api_key")
	if c.ArgillaAPIKey == "" && c.Enabled {
		l.problem("argilla_api_key", "", "missing Argilla owner API key",
			"set AUTHPROXY_ARGILLA_API_KEY (or AUTHPROXY_ARGILLA_API_KEY_FILE) to the API key of an Argilla owner")
	}

	if v, source, ok := l.env.get("USERNAME"); ok {
		c.OwnerUsername = v
		c.sources["owner_username"] = source
	}
	l.applyIdentity()
}

// proxySetting resolves a non-secret setting and records its source.
func (l *loader) proxySetting(key, def string) string {
	if v, ok := l.flags[strings.ReplaceAll(key, "_", "-")]; ok {
		l.c.sources[key] = "flag -" + strings.ReplaceAll(key, "_", "-")
		return v
	}
	if v, source, ok := l.env.get("AUTHPROXY_" + strings.ToUpper(key)); ok {
		l.c.sources[key] = source
		return v
	}
	if fv, ok := l.file.Proxy[key]; ok && fv.Value != "" {
		l.c.sources[key] = l.at(fv.Line)
		return fv.Value
	}
	l.c.sources[key] = "default"
	return def
}

// proxySecret resolves a secret; secrets have no flags, because flags show
// in the process list.
func (l *loader) proxySecret(key string) string {
	if v, source, ok := l.env.get("AUTHPROXY_" + strings.ToUpper(key)); ok {
		l.c.sources[key] = source
		return v
	}
	if fv, ok := l.file.Proxy[key]; ok && fv.Value != "" {
		l.c.sources[key] = l.at(fv.Line)
		return fv.Value
	}
	l.c.sources[key] = "unset"
	return ""
}

func (l *loader) problem(key, value, message, fix string) {
	l.ps.add(Problem{Where: l.c.sources[key], Key: key, Value: value, Message: message, Fix: fix})
}

// decodeSecret decodes a base64 (standard or URL alphabet, padded or not)
// secret of exactly 32 bytes. The error never contains the secret.
func decodeSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
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

func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("invalid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("must be an absolute http or https URL")
	}
	if u.Host == "" {
		return nil, errors.New("missing host")
	}
	if u.User != nil {
		return nil, errors.New("must not contain a user or password")
	}
	return u, nil
}

func splitList(s string) []string {
	var list []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			list = append(list, part)
		}
	}
	return list
}

// parseFlags parses the command-line flags into a map of the flags that
// were given, so that an unset flag never overrides the environment.
func parseFlags(args []string, output io.Writer) (map[string]string, error) {
	if output == nil {
		output = io.Discard
	}
	fs := flag.NewFlagSet("authproxy", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.String("oauth-config", "", "path of Argilla's OAuth file (default: ARGILLA_AUTH_OAUTH_CFG, then .oauth.yaml, then .oauth.yml)")
	fs.String("listen", DefaultListen, "address to serve on")
	fs.String("metrics-listen", "", "address to serve Prometheus metrics on; empty disables them")
	fs.String("upstream", DefaultUpstream, "Argilla's URL as the proxy reaches it")
	fs.String("public-url", "", "URL browsers use to reach the proxy; overrides the request's host in redirect URIs")
	fs.String("session-ttl", DefaultSessionTTL.String(), "session lifetime, such as 8h")
	fs.String("trusted-proxies", "", "comma-separated addresses or CIDR prefixes whose X-Forwarded-* headers are trusted")
	fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	given := map[string]string{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = f.Value.String() })
	return given, nil
}
