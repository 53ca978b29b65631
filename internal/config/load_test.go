package config

import (
	"encoding/base64"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// docExample is the first example of Argilla's OAuth2 documentation page,
// keycloak misspelt as the page prints it.
const docExample = `providers:
  - name: huggingface
    client_id: "<client_id>"
    client_secret: "<client_secret>"
    scope: "openid profile"
  - name: google-oauth2
    client_id: "<client_id>"
    client_secret: "<client_secret>"
    scope: "openid email profile"
  - name: github
    client_id: "<client_id>"
    client_secret: "<client_secret>"
  - name: keycloack
    client_id: "<client_id>"
    client_secret: "<client_secret>"

allowed_workspaces:
  - name: argilla

allow_http_redirect: false
`

// spaceTemplate is the .oauth.yaml of Argilla's Hugging Face Space
// template, and spaceEnv the variables a Space with hf_oauth receives.
const spaceTemplate = `providers:
  - name: huggingface

allowed_workspaces:
  - name: argilla
`

var spaceEnv = env(
	"SPACE_ID=someone/argilla",
	"OAUTH_CLIENT_ID=space-client-id",
	"OAUTH_CLIENT_SECRET=space-client-secret",
	"OAUTH_SCOPES=openid profile inference-api",
	"OPENID_PROVIDER_URL=https://huggingface.co",
)

const keycloakEndpoint = "SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT=http://keycloak:8080/realms/argilla"

func TestLoadDocumentationExample(t *testing.T) {
	c := mustLoad(t, fixture{file: docExample, env: env(keycloakEndpoint)})

	var names []string
	for _, p := range c.Providers {
		names = append(names, p.Name)
	}
	if want := []string{"huggingface", "google-oauth2", "github", "keycloak"}; !slices.Equal(names, want) {
		t.Errorf("providers = %v, want %v", names, want)
	}
	if want := []string{"argilla"}; !slices.Equal(c.AllowedWorkspaces, want) {
		t.Errorf("allowed workspaces = %v, want %v", c.AllowedWorkspaces, want)
	}
	if c.AllowHTTPRedirect {
		t.Error("allow_http_redirect = true, want false")
	}
	if got := c.Providers[1].Scopes; !slices.Equal(got, []string{"openid", "email", "profile"}) {
		t.Errorf("google-oauth2 scopes = %v", got)
	}
	if got := c.Providers[2].Scopes; got != nil {
		t.Errorf("github scopes = %v, want nil for the provider default", got)
	}
	endpoint, source := c.Providers[3].OIDCEndpoint()
	if endpoint != "http://keycloak:8080/realms/argilla" || source != "env SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT" {
		t.Errorf("keycloak endpoint = %q from %q", endpoint, source)
	}
	checkProblems(t, "warnings", c.Warnings, []string{
		`.oauth.yaml:13: providers[3].name = "keycloack": read as "keycloak"`,
	})
}

func TestLoadDocumentationExampleWithoutEndpoint(t *testing.T) {
	problems, warnings := loadProblems(t, fixture{file: docExample})
	checkProblems(t, "problems", problems, []string{
		".oauth.yaml:13: providers.keycloak.oidc_endpoint: keycloak needs the URL of its OpenID Connect issuer; " +
			"fix: set SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT or SOCIAL_AUTH_OIDC_ENDPOINT or OIDC_ENDPOINT",
	})
	checkProblems(t, "warnings", warnings, []string{`read as "keycloak"`})
}

func TestLoadHuggingFaceSpaceTemplate(t *testing.T) {
	c := mustLoad(t, fixture{file: spaceTemplate, env: spaceEnv})

	if len(c.Providers) != 1 {
		t.Fatalf("got %d providers, want 1", len(c.Providers))
	}
	p := c.Providers[0]
	if p.ClientID != "space-client-id" || c.Source("providers.huggingface.client_id") != "env OAUTH_CLIENT_ID" {
		t.Errorf("client id = %q from %q", p.ClientID, c.Source("providers.huggingface.client_id"))
	}
	if p.ClientSecret != "space-client-secret" {
		t.Errorf("client secret = %q, want the Space's", p.ClientSecret)
	}
	if want := []string{"openid", "profile", "inference-api"}; !slices.Equal(p.Scopes, want) {
		t.Errorf("scopes = %v, want %v", p.Scopes, want)
	}
	endpoint, source := p.OIDCEndpoint()
	if endpoint != "https://huggingface.co" || source != "env OPENID_PROVIDER_URL" {
		t.Errorf("endpoint = %q from %q", endpoint, source)
	}
	if !slices.Equal(c.AllowedWorkspaces, []string{"argilla"}) {
		t.Errorf("allowed workspaces = %v", c.AllowedWorkspaces)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("unexpected warnings:\n%s", formatProblems(c.Warnings))
	}
}

func TestLoadFileKeys(t *testing.T) {
	file := `providers:
  - name: github
    client_id: gh-id
    client_secret: gh-secret
    scope: [read:user, "user:email"]
    redirect_uri: /argilla/oauth/github/callback
    sync_user: true
  - name: google-oauth2
    client_id: g-id
    client_secret: g-secret
    scope: openid email
    redirect_uri: https://argilla.example.com/oauth/google-oauth2/callback
  - name: apple-id
    client_id: a-id
    client_secret: a-secret
allowed_workspaces:
  - name: argilla
  - name: team
allow_http_redirect: yes
extra_backends:
  - social_core.backends.apple.AppleIdAuth
`
	c := mustLoad(t, fixture{file: file})

	github, google, apple := c.Providers[0], c.Providers[1], c.Providers[2]
	if !slices.Equal(github.Scopes, []string{"read:user", "user:email"}) {
		t.Errorf("scope list = %v", github.Scopes)
	}
	if !slices.Equal(google.Scopes, []string{"openid", "email"}) {
		t.Errorf("scope string = %v", google.Scopes)
	}
	if github.RedirectURI != "/argilla/oauth/github/callback" {
		t.Errorf("relative redirect_uri = %q", github.RedirectURI)
	}
	if google.RedirectURI != "https://argilla.example.com/oauth/google-oauth2/callback" {
		t.Errorf("absolute redirect_uri = %q", google.RedirectURI)
	}
	if apple.RedirectURI != "/oauth/apple-id/callback" {
		t.Errorf("default redirect_uri = %q", apple.RedirectURI)
	}
	if !github.SyncUser || google.SyncUser {
		t.Errorf("sync_user = %v, %v; want true, false", github.SyncUser, google.SyncUser)
	}
	if apple.Backend.Class != "social_core.backends.apple.AppleIdAuth" {
		t.Errorf("apple-id backend = %q", apple.Backend.Class)
	}
	if !c.AllowHTTPRedirect {
		t.Error("allow_http_redirect: yes read as false")
	}
	if !slices.Equal(c.AllowedWorkspaces, []string{"argilla", "team"}) {
		t.Errorf("allowed workspaces = %v", c.AllowedWorkspaces)
	}
	if !slices.Equal(c.ExtraBackends, []string{"social_core.backends.apple.AppleIdAuth"}) {
		t.Errorf("extra backends = %v", c.ExtraBackends)
	}
	if got := c.Source("providers.github.sync_user"); got != ".oauth.yaml:7" {
		t.Errorf("sync_user source = %q", got)
	}
}

func TestLoadRedirectURIWithoutLeadingSlash(t *testing.T) {
	c := mustLoad(t, fixture{
		file: "providers:\n  - {name: github, client_id: a, client_secret: b, redirect_uri: oauth/github/callback}\n",
	})
	if len(c.Warnings) != 0 {
		t.Errorf("unexpected warnings:\n%s", formatProblems(c.Warnings))
	}
}

func TestLoadAllowedWorkspacesNull(t *testing.T) {
	c := mustLoad(t, fixture{file: "providers:\n  - {name: github, client_id: a, client_secret: b}\nallowed_workspaces: null\n"})
	if len(c.AllowedWorkspaces) != 0 {
		t.Errorf("allowed workspaces = %v, want none", c.AllowedWorkspaces)
	}
}

func TestLoadEnabledFalse(t *testing.T) {
	file := "enabled: false\nproviders:\n  - name: keycloak\n  - name: github\nallowed_workspaces:\n  - name: argilla\n"
	// No client ids, no Keycloak endpoint and no owner API key: with OAuth
	// disabled none of them is needed.
	c := mustLoad(t, fixture{file: file, env: env("AUTHPROXY_ARGILLA_API_KEY=" + unset)})
	if c.Enabled {
		t.Error("enabled = true, want false")
	}
	if c.ArgillaAPIKey != "" {
		t.Errorf("API key = %q, want none", c.ArgillaAPIKey)
	}
}

func TestLoadEnabledFalseIgnoresSharedEndpoint(t *testing.T) {
	file := "enabled: false\nproviders:\n  - name: huggingface\n  - name: keycloak\n"
	c := mustLoad(t, fixture{file: file, env: env("OIDC_ENDPOINT=http://keycloak:8080/realms/argilla")})
	if c.Enabled {
		t.Error("enabled = true, want false")
	}
}

func TestLoadEnabledFalseStillChecksNames(t *testing.T) {
	problems, _ := loadProblems(t, fixture{file: "enabled: false\nproviders:\n  - name: githib\n"})
	checkProblems(t, "problems", problems, []string{`providers[0].name = "githib": unsupported provider`})
}

func TestLoadUnknownTopLevelKey(t *testing.T) {
	file := "providers:\n  - {name: github, client_id: a, client_secret: b}\ncolour: blue\n"
	c := mustLoad(t, fixture{file: file})
	checkProblems(t, "warnings", c.Warnings, []string{
		".oauth.yaml:3: colour: unknown top-level key, ignored as Argilla ignores it",
	})
}

func TestLoadWarningsKeptWithErrors(t *testing.T) {
	file := "providers:\n  - {name: github, client_id: a}\ncolour: blue\n"
	problems, warnings := loadProblems(t, fixture{file: file})
	checkProblems(t, "problems", problems, []string{"providers.github.client_secret: missing client secret"})
	checkProblems(t, "warnings", warnings, []string{"colour: unknown top-level key"})
}

// TestLoadPrecedence checks the order in which Argilla 2.8 and social-core
// read each provider value, empty values included.
func TestLoadPrecedence(t *testing.T) {
	github := "providers:\n  - name: github\n    client_secret: s\n"
	tests := []struct {
		name       string
		file       string
		env        map[string]string
		property   string // client_id, client_secret or scope
		provider   int
		want       string
		wantSource string
	}{
		{
			name: "file before OAUTH2 variable",
			file: "providers:\n  - {name: github, client_id: from-file, client_secret: s}\n",
			env:  env("OAUTH2_GITHUB_CLIENT_ID=from-env"), property: "client_id",
			want: "from-file", wantSource: ".oauth.yaml:2",
		},
		{
			name: "empty file value falls through",
			file: "providers:\n  - {name: github, client_id: '', client_secret: s}\n",
			env:  env("OAUTH2_GITHUB_CLIENT_ID=from-env"), property: "client_id",
			want: "from-env", wantSource: "env OAUTH2_GITHUB_CLIENT_ID",
		},
		{
			name:     "OAUTH2 keeps the hyphen",
			file:     "providers:\n  - {name: google-oauth2, client_secret: s}\n",
			env:      env("OAUTH2_GOOGLE-OAUTH2_CLIENT_ID=hyphen", "OAUTH2_GOOGLE_OAUTH2_CLIENT_ID=underscore"),
			property: "client_id", want: "hyphen", wantSource: "env OAUTH2_GOOGLE-OAUTH2_CLIENT_ID",
		},
		{
			name:     "documented ARGILLA_OAUTH2 name with underscore",
			file:     "providers:\n  - {name: google-oauth2, client_secret: s}\n",
			env:      env("ARGILLA_OAUTH2_GOOGLE_OAUTH2_CLIENT_ID=documented"),
			property: "client_id", want: "documented", wantSource: "env ARGILLA_OAUTH2_GOOGLE_OAUTH2_CLIENT_ID",
		},
		{
			name:     "OAUTH2 before ARGILLA_OAUTH2",
			file:     github,
			env:      env("OAUTH2_GITHUB_CLIENT_ID=argilla", "ARGILLA_OAUTH2_GITHUB_CLIENT_ID=documented"),
			property: "client_id", want: "argilla", wantSource: "env OAUTH2_GITHUB_CLIENT_ID",
		},
		{
			name:     "empty OAUTH2 variable falls through",
			file:     github,
			env:      env("OAUTH2_GITHUB_CLIENT_ID=", "ARGILLA_OAUTH2_GITHUB_CLIENT_ID=documented"),
			property: "client_id", want: "documented", wantSource: "env ARGILLA_OAUTH2_GITHUB_CLIENT_ID",
		},
		{
			name:     "ARGILLA_OAUTH2 before social-core",
			file:     github,
			env:      env("ARGILLA_OAUTH2_GITHUB_CLIENT_ID=documented", "SOCIAL_AUTH_GITHUB_KEY=social"),
			property: "client_id", want: "documented", wantSource: "env ARGILLA_OAUTH2_GITHUB_CLIENT_ID",
		},
		{
			name:     "social-core backend setting first",
			file:     github,
			env:      env("SOCIAL_AUTH_GITHUB_KEY=backend", "SOCIAL_AUTH_KEY=global", "key=bare"),
			property: "client_id", want: "backend", wantSource: "env SOCIAL_AUTH_GITHUB_KEY",
		},
		{
			name:     "social-core global setting second",
			file:     github,
			env:      env("SOCIAL_AUTH_KEY=global", "key=bare"),
			property: "client_id", want: "global", wantSource: "env SOCIAL_AUTH_KEY",
		},
		{
			name:     "social-core bare setting is lower-case",
			file:     github,
			env:      env("key=bare", "KEY=upper"),
			property: "client_id", want: "bare", wantSource: "env key",
		},
		{
			name:     "social-core backend name with hyphen as underscore",
			file:     "providers:\n  - {name: google-oauth2, client_id: i}\n",
			env:      env("SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET=social"),
			property: "client_secret", want: "social", wantSource: "env SOCIAL_AUTH_GOOGLE_OAUTH2_SECRET",
		},
		{
			name:     "bare secret setting",
			file:     "providers:\n  - {name: github, client_id: i}\n",
			env:      env("secret=bare", "SECRET=upper"),
			property: "client_secret", want: "bare", wantSource: "env secret",
		},
		{
			name:     "secret from OAUTH2 file variable",
			file:     "providers:\n  - {name: github, client_id: i}\n",
			env:      env("OAUTH2_GITHUB_CLIENT_SECRET_FILE=/run/secrets/github"),
			property: "client_secret", want: "from-file", wantSource: "env OAUTH2_GITHUB_CLIENT_SECRET_FILE=/run/secrets/github",
		},
		{
			name:     "secret from social-core file variable",
			file:     "providers:\n  - {name: github, client_id: i}\n",
			env:      env("SOCIAL_AUTH_GITHUB_SECRET_FILE=/run/secrets/github"),
			property: "client_secret", want: "from-file", wantSource: "env SOCIAL_AUTH_GITHUB_SECRET_FILE=/run/secrets/github",
		},
		{
			name:     "scope from OAUTH2 variable",
			file:     github + "    client_id: i\n",
			env:      env("OAUTH2_GITHUB_SCOPE=read:user user:email", "SOCIAL_AUTH_GITHUB_SCOPE=other"),
			property: "scope", want: "read:user user:email", wantSource: "env OAUTH2_GITHUB_SCOPE",
		},
		{
			name:     "scope from social-core setting",
			file:     github + "    client_id: i\n",
			env:      env("SOCIAL_AUTH_GITHUB_SCOPE=read:org"),
			property: "scope", want: "read:org", wantSource: "env SOCIAL_AUTH_GITHUB_SCOPE",
		},
		{
			name:     "scope from bare lower-case setting",
			file:     github + "    client_id: i\n",
			env:      env("scope=read:org", "SCOPE=ignored"),
			property: "scope", want: "read:org", wantSource: "env scope",
		},
		{
			name:     "empty scope means provider default",
			file:     github + "    client_id: i\n    scope: ''\n",
			property: "scope", want: "", wantSource: "default",
		},
		{
			name:     "Space variables configure huggingface",
			file:     "providers:\n  - name: huggingface\n",
			env:      env("OAUTH_CLIENT_ID=space", "OAUTH_CLIENT_SECRET=space-secret", "SOCIAL_AUTH_HUGGINGFACE_KEY=social"),
			property: "client_id", want: "space", wantSource: "env OAUTH_CLIENT_ID",
		},
		{
			name:     "OAUTH2 variable before Space variable",
			file:     "providers:\n  - name: huggingface\n",
			env:      env("OAUTH2_HUGGINGFACE_CLIENT_ID=explicit", "OAUTH_CLIENT_ID=space", "OAUTH_CLIENT_SECRET=s"),
			property: "client_id", want: "explicit", wantSource: "env OAUTH2_HUGGINGFACE_CLIENT_ID",
		},
		{
			name:     "Space variables only for huggingface",
			file:     "providers:\n  - {name: github, client_secret: s}\n",
			env:      env("OAUTH_CLIENT_ID=space", "SOCIAL_AUTH_KEY=social"),
			property: "client_id", want: "social", wantSource: "env SOCIAL_AUTH_KEY",
		},
		{
			name:     "Space scopes",
			file:     "providers:\n  - name: huggingface\n",
			env:      env("OAUTH_CLIENT_ID=i", "OAUTH_CLIENT_SECRET=s", "OAUTH_SCOPES=openid profile"),
			property: "scope", want: "openid profile", wantSource: "env OAUTH_SCOPES",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fixture{file: tt.file, env: tt.env, files: map[string]string{"/run/secrets/github": "from-file\n"}}
			c := mustLoad(t, f)
			p := c.Providers[tt.provider]
			got := map[string]string{
				"client_id": p.ClientID, "client_secret": p.ClientSecret, "scope": strings.Join(p.Scopes, " "),
			}[tt.property]
			if got != tt.want {
				t.Errorf("%s = %q, want %q", tt.property, got, tt.want)
			}
			if source := c.Source("providers." + p.Name + "." + tt.property); source != tt.wantSource {
				t.Errorf("%s source = %q, want %q", tt.property, source, tt.wantSource)
			}
		})
	}
}

func TestLoadEmptySocialSettingHidesLaterNames(t *testing.T) {
	problems, _ := loadProblems(t, fixture{
		file: "providers:\n  - {name: github, client_secret: s}\n",
		env:  env("SOCIAL_AUTH_GITHUB_KEY=", "SOCIAL_AUTH_KEY=hidden"),
	})
	checkProblems(t, "problems", problems, []string{
		"missing client id for provider github; SOCIAL_AUTH_GITHUB_KEY is set but empty",
	})
}

func TestLoadProxySettingPrecedence(t *testing.T) {
	file := "providers:\n  - {name: github, client_id: a, client_secret: b}\n" +
		"authproxy:\n  upstream: http://from-file:6900\n  listen: :7000\n  log_level: warn\n"
	c := mustLoad(t, fixture{
		file: file,
		env:  env("AUTHPROXY_UPSTREAM=http://from-env:6900", "AUTHPROXY_LISTEN=:7001", "AUTHPROXY_LOG_LEVEL="),
		args: []string{"-upstream", "http://from-flag:6900"},
	})
	if got := c.Upstream.String(); got != "http://from-flag:6900" || c.Source("upstream") != "flag -upstream" {
		t.Errorf("upstream = %q from %q, want the flag", got, c.Source("upstream"))
	}
	if c.Listen != ":7001" || c.Source("listen") != "env AUTHPROXY_LISTEN" {
		t.Errorf("listen = %q from %q, want the variable", c.Listen, c.Source("listen"))
	}
	if c.LogLevel != "warn" || c.Source("log_level") != ".oauth.yaml:6" {
		t.Errorf("log level = %q from %q, want the file's, because an empty variable is unset",
			c.LogLevel, c.Source("log_level"))
	}
	if c.SessionTTL != DefaultSessionTTL || c.Source("session_ttl") != "default" {
		t.Errorf("session TTL = %v from %q, want the default", c.SessionTTL, c.Source("session_ttl"))
	}
}

func TestLoadProxySettings(t *testing.T) {
	second := base64.RawURLEncoding.EncodeToString([]byte("abcdefghijklmnopqrstuvwxyz012345"))
	file := "providers:\n  - {name: github, client_id: a, client_secret: b}\n" +
		"authproxy:\n  trusted_proxies: [10.0.0.0/8, 192.168.1.7]\n"
	c := mustLoad(t, fixture{
		file: file,
		env: env(
			"AUTHPROXY_COOKIE_SECRETS="+testCookieSecret+", "+second,
			"AUTHPROXY_ARGILLA_API_KEY="+unset,
			"AUTHPROXY_ARGILLA_API_KEY_FILE=/run/secrets/api-key",
			"AUTHPROXY_PUBLIC_URL=https://argilla.example.com/team/",
			"AUTHPROXY_SESSION_TTL=8h",
			"AUTHPROXY_METRICS_LISTEN=127.0.0.1:9090",
			"ARGILLA_BASE_URL=team",
			"USERNAME=owner",
		),
		files: map[string]string{"/run/secrets/api-key": "key-from-file\n"},
	})

	if len(c.CookieSecrets) != 2 || string(c.CookieSecrets[1]) != "abcdefghijklmnopqrstuvwxyz012345" {
		t.Errorf("cookie secrets = %q", c.CookieSecrets)
	}
	if c.ArgillaAPIKey != "key-from-file" {
		t.Errorf("API key = %q, want the file's content without its line break", c.ArgillaAPIKey)
	}
	if c.PublicURL == nil || c.PublicURL.String() != "https://argilla.example.com/team/" {
		t.Errorf("public URL = %v", c.PublicURL)
	}
	if c.SessionTTL != 8*time.Hour {
		t.Errorf("session TTL = %v", c.SessionTTL)
	}
	if c.MetricsListen != "127.0.0.1:9090" {
		t.Errorf("metrics listen = %q", c.MetricsListen)
	}
	if c.BasePath != "/team/" {
		t.Errorf("base path = %q, want /team/", c.BasePath)
	}
	if c.OwnerUsername != "owner" {
		t.Errorf("owner username = %q", c.OwnerUsername)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32")}
	if !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("trusted proxies = %v, want %v", c.TrustedProxies, want)
	}
}

func TestLoadOAuthFileChoice(t *testing.T) {
	valid := "providers:\n  - {name: github, client_id: a, client_secret: b}\n"
	tests := []struct {
		name       string
		f          fixture
		want       string
		wantSource string
	}{
		{"Argilla default name", fixture{file: valid}, ".oauth.yaml", "default"},
		{
			"documented name",
			fixture{file: noFile, files: map[string]string{".oauth.yml": valid}},
			".oauth.yml", "default",
		},
		{
			"ARGILLA_AUTH_OAUTH_CFG",
			fixture{file: noFile, env: env("ARGILLA_AUTH_OAUTH_CFG=/etc/argilla/oauth.yaml"),
				files: map[string]string{"/etc/argilla/oauth.yaml": valid}},
			"/etc/argilla/oauth.yaml", "env ARGILLA_AUTH_OAUTH_CFG",
		},
		{
			"flag before variable",
			fixture{file: noFile, env: env("ARGILLA_AUTH_OAUTH_CFG=/nowhere"),
				args: []string{"-oauth-config", "/etc/oauth.yml"}, files: map[string]string{"/etc/oauth.yml": valid}},
			"/etc/oauth.yml", "flag -oauth-config",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.f)
			if c.OAuthFile != tt.want || c.Source("oauth_file") != tt.wantSource {
				t.Errorf("OAuth file = %q from %q, want %q from %q", c.OAuthFile, c.Source("oauth_file"), tt.want, tt.wantSource)
			}
		})
	}
}

func TestLoadMergeKeysAndAliases(t *testing.T) {
	file := `defaults: &defaults
  client_secret: shared-secret
  sync_user: true
providers:
  - <<: *defaults
    name: github
    client_id: gh
  - <<: *defaults
    name: google-oauth2
    client_id: g
    sync_user: false
allowed_workspaces:
  - &team {name: team}
`
	c := mustLoad(t, fixture{file: file})
	github, google := c.Providers[0], c.Providers[1]
	if github.ClientSecret != "shared-secret" || !github.SyncUser {
		t.Errorf("github = %q, sync %v; want the merged values", github.ClientSecret, github.SyncUser)
	}
	if google.SyncUser {
		t.Error("google sync_user = true, want the written false to win over the merged true")
	}
	checkProblems(t, "warnings", c.Warnings, []string{"defaults: unknown top-level key"})
}
