package config

import (
	"errors"
	"flag"
	"strings"
	"testing"
)

// validGitHub is a provider entry without mistakes, for cases that need
// one.
const validGitHub = "providers:\n  - {name: github, client_id: a, client_secret: b}\n"

func TestLoadMistakes(t *testing.T) {
	tests := []struct {
		name     string
		f        fixture
		problems []string
	}{
		{
			name:     "YAML syntax error on the first line",
			f:        fixture{file: "providers: [\n"},
			problems: []string{".oauth.yaml:2: (file): invalid YAML: did not find expected node content"},
		},
		{
			name:     "YAML tab indentation",
			f:        fixture{file: "providers:\n\t- name: github\n"},
			problems: []string{".oauth.yaml:2: (file): invalid YAML: found character that cannot start any token"},
		},
		{
			name:     "YAML colon in a plain value",
			f:        fixture{file: "allow_http_redirect: false\nproviders: name: github\n"},
			problems: []string{".oauth.yaml:2: (file): invalid YAML: mapping values are not allowed in this context"},
		},
		{
			name: "YAML list item indented wrongly",
			f:    fixture{file: "allow_http_redirect: false\nproviders:\n  - name: github\n   client_id: a\n"},
			// yaml.v3 names the line where the list starts.
			problems: []string{".oauth.yaml:3: (file): invalid YAML: did not find expected '-' indicator"},
		},
		{
			name:     "empty file",
			f:        fixture{file: ""},
			problems: []string{".oauth.yaml:1: (file): the OAuth file is empty"},
		},
		{
			name:     "comments only",
			f:        fixture{file: "# providers:\n#   - name: github\n"},
			problems: []string{".oauth.yaml:1: (file): the OAuth file is empty"},
		},
		{
			name:     "document separator only",
			f:        fixture{file: "---\n"},
			problems: []string{"(file): the OAuth file is empty"},
		},
		{
			name:     "top level is a list",
			f:        fixture{file: "- name: github\n"},
			problems: []string{".oauth.yaml:1: (file): the top level must be a mapping"},
		},
		{
			name:     "two documents",
			f:        fixture{file: validGitHub + "---\nallow_http_redirect: true\n"},
			problems: []string{".oauth.yaml:3: (file): the file holds more than one YAML document"},
		},
		{
			name: "missing file",
			f:    fixture{file: noFile},
			problems: []string{
				`oauth_file = ".oauth.yaml": the OAuth file does not exist; ` +
					"fix: create .oauth.yaml or .oauth.yml in the working directory",
			},
		},
		{
			name: "missing file named by variable",
			f:    fixture{file: noFile, env: env("ARGILLA_AUTH_OAUTH_CFG=/etc/oauth.yaml")},
			problems: []string{
				`env ARGILLA_AUTH_OAUTH_CFG: oauth_file = "/etc/oauth.yaml": the OAuth file does not exist`,
			},
		},
		{
			name: "unknown provider name",
			f:    fixture{file: "providers:\n  - name: githib\n"},
			problems: []string{
				`.oauth.yaml:2: providers[0].name = "githib": unsupported provider; fix: write "github"; ` +
					"accepted names are github, google-oauth2, huggingface, keycloak",
			},
		},
		{
			name: "unknown provider name far from any",
			f:    fixture{file: "providers:\n  - name: facebook\n"},
			problems: []string{
				`providers[0].name = "facebook": unsupported provider; fix: use one of github, google-oauth2`,
			},
		},
		{
			name: "extra provider without extra_backends",
			f:    fixture{file: "providers:\n  - {name: apple-id, client_id: a, client_secret: b}\n"},
			problems: []string{
				`providers[0].name = "apple-id": this provider needs its backend in ` + "`extra_backends`; " +
					"fix: add `extra_backends: [social_core.backends.apple.AppleIdAuth]`",
			},
		},
		{
			name: "unknown provider key",
			f:    fixture{file: "providers:\n  - name: github\n    client_id: a\n    client-secret: b\n"},
			problems: []string{
				".oauth.yaml:2: providers.github.client_secret: missing client secret",
				`.oauth.yaml:4: providers[0].client-secret: unknown provider key; fix: rename it to "client_secret"`,
			},
		},
		{
			name: "missing client id",
			f:    fixture{file: "providers:\n  - {name: github, client_secret: s}\n"},
			problems: []string{
				".oauth.yaml:2: providers.github.client_id: missing client id for provider github; " +
					"fix: set one of `client_id` in .oauth.yaml, OAUTH2_GITHUB_CLIENT_ID, ARGILLA_OAUTH2_GITHUB_CLIENT_ID, " +
					"SOCIAL_AUTH_GITHUB_KEY, SOCIAL_AUTH_KEY, key (each variable may instead name a file in <VARIABLE>_FILE)",
			},
		},
		{
			name: "missing huggingface credentials name the Space variables",
			f:    fixture{file: "providers:\n  - name: huggingface\n"},
			problems: []string{
				"providers.huggingface.client_id: missing client id for provider huggingface; fix: set one of " +
					"`client_id` in .oauth.yaml, OAUTH2_HUGGINGFACE_CLIENT_ID, ARGILLA_OAUTH2_HUGGINGFACE_CLIENT_ID, " +
					"OAUTH_CLIENT_ID, SOCIAL_AUTH_HUGGINGFACE_KEY, SOCIAL_AUTH_KEY, key",
				"providers.huggingface.client_secret: missing client secret for provider huggingface; fix: set one of " +
					"`client_secret` in .oauth.yaml, OAUTH2_HUGGINGFACE_CLIENT_SECRET, ARGILLA_OAUTH2_HUGGINGFACE_CLIENT_SECRET, " +
					"OAUTH_CLIENT_SECRET, SOCIAL_AUTH_HUGGINGFACE_SECRET, SOCIAL_AUTH_SECRET, secret",
			},
		},
		{
			name: "keycloak without endpoint",
			f:    fixture{file: "providers:\n  - {name: keycloak, client_id: a, client_secret: b}\n"},
			problems: []string{
				".oauth.yaml:2: providers.keycloak.oidc_endpoint: keycloak needs the URL of its OpenID Connect issuer",
			},
		},
		{
			name: "keycloak with empty endpoint variable",
			f: fixture{file: "providers:\n  - {name: keycloak, client_id: a, client_secret: b}\n",
				env: env("SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT=", "SOCIAL_AUTH_OIDC_ENDPOINT=http://kc/realms/a")},
			problems: []string{
				"providers.keycloak.oidc_endpoint: SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT is set but empty",
			},
		},
		{
			name: "keycloak with malformed endpoint",
			f: fixture{file: "providers:\n  - {name: keycloak, client_id: a, client_secret: b}\n",
				env: env("OIDC_ENDPOINT=keycloak:8080/realms/argilla")},
			problems: []string{
				`env OIDC_ENDPOINT: providers.keycloak.oidc_endpoint = "keycloak:8080/realms/argilla": ` +
					"not an absolute http or https URL",
			},
		},
		{
			name: "shared endpoint variable reaches huggingface",
			f: fixture{
				file: "providers:\n  - {name: huggingface, client_id: a, client_secret: b}\n" +
					"  - {name: keycloak, client_id: a, client_secret: b}\n",
				env: env("SOCIAL_AUTH_OIDC_ENDPOINT=http://keycloak:8080/realms/argilla"),
			},
			problems: []string{
				"env SOCIAL_AUTH_OIDC_ENDPOINT: providers.keycloak.oidc_endpoint: SOCIAL_AUTH_OIDC_ENDPOINT applies " +
					"to both huggingface and keycloak; fix: set SOCIAL_AUTH_HUGGINGFACE_OIDC_ENDPOINT and " +
					"SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT instead",
			},
		},
		{
			name: "unsupported extra backend",
			f:    fixture{file: validGitHub + "extra_backends:\n  - social_core.backends.saml.SAMLAuth\n"},
			problems: []string{
				`.oauth.yaml:4: extra_backends = "social_core.backends.saml.SAMLAuth": not a supported OAuth2 backend; ` +
					"fix: use one of social_core.backends.apple.AppleIdAuth, social_core.backends.auth0.Auth0OAuth2,",
			},
		},
		{
			name: "duplicate provider",
			f:    fixture{file: validGitHub + "  - {name: github, client_id: c, client_secret: d}\n"},
			problems: []string{
				`.oauth.yaml:3: providers[1].name = "github": provider already configured at line 2`,
			},
		},
		{
			name: "keycloak twice through the misspelling",
			f: fixture{
				file: "providers:\n  - {name: keycloak, client_id: a, client_secret: b}\n" +
					"  - {name: keycloack, client_id: a, client_secret: b}\n",
				env: env(keycloakEndpoint),
			},
			problems: []string{`providers[1].name = "keycloack": provider already configured at line 2`},
		},
		{
			name: "duplicate key",
			f:    fixture{file: "providers:\n  - name: github\n    client_id: a\n    client_secret: b\n    client_id: c\n"},
			problems: []string{
				".oauth.yaml:5: providers[0].client_id: key given twice, first at line 3",
			},
		},
		{
			name: "quoted boolean",
			f:    fixture{file: validGitHub + "allow_http_redirect: \"false\"\n"},
			problems: []string{
				`.oauth.yaml:3: allow_http_redirect = "false": a quoted value is a string, which Argilla reads as true`,
			},
		},
		{
			name:     "not a boolean",
			f:        fixture{file: "providers:\n  - {name: github, client_id: a, client_secret: b, sync_user: maybe}\n"},
			problems: []string{`providers[0].sync_user = "maybe": not a boolean; fix: write true or false`},
		},
		{
			name:     "providers not a list",
			f:        fixture{file: "providers:\n  github: {client_id: a}\n"},
			problems: []string{".oauth.yaml:2: providers: must be a list of providers"},
		},
		{
			name:     "provider without name",
			f:        fixture{file: "providers:\n  - client_id: a\n"},
			problems: []string{".oauth.yaml:2: providers[0].name: missing provider name"},
		},
		{
			name:     "workspace as plain string",
			f:        fixture{file: validGitHub + "allowed_workspaces:\n  - argilla\n"},
			problems: []string{`.oauth.yaml:4: allowed_workspaces[0] = "argilla": must be a mapping with ` + "`name`"},
		},
		{
			name: "malformed redirect_uri",
			f:    fixture{file: "providers:\n  - {name: github, client_id: a, client_secret: b, redirect_uri: '//evil.example/cb'}\n"},
			problems: []string{
				`providers.github.redirect_uri = "//evil.example/cb": starts with // and names another host`,
			},
		},
		{
			name: "redirect_uri with another scheme",
			f:    fixture{file: "providers:\n  - {name: github, client_id: a, client_secret: b, redirect_uri: 'ftp://x/cb'}\n"},
			problems: []string{
				`providers.github.redirect_uri = "ftp://x/cb": not a path or an absolute http or https URL`,
			},
		},
		{
			name: "malformed upstream",
			f:    fixture{file: validGitHub, env: env("AUTHPROXY_UPSTREAM=127.0.0.1:6900")},
			problems: []string{
				`env AUTHPROXY_UPSTREAM: upstream = "127.0.0.1:6900": not an absolute http or https URL`,
			},
		},
		{
			name: "upstream with a path",
			f:    fixture{file: validGitHub, args: []string{"-upstream", "http://argilla:6900/argilla"}},
			problems: []string{
				`flag -upstream: upstream = "http://argilla:6900/argilla": must not have a path, query or fragment; ` +
					"fix: write only scheme, host and port; set Argilla's path prefix in ARGILLA_BASE_URL",
			},
		},
		{
			name:     "malformed public URL",
			f:        fixture{file: validGitHub + "authproxy:\n  public_url: argilla.example.com\n"},
			problems: []string{`.oauth.yaml:4: public_url = "argilla.example.com": not an absolute http or https URL`},
		},
		{
			name: "http public URL without allow_http_redirect",
			f:    fixture{file: validGitHub, env: env("AUTHPROXY_PUBLIC_URL=http://argilla.example.com")},
			problems: []string{
				`public_url = "http://argilla.example.com": uses http while allow_http_redirect is false`,
			},
		},
		{
			name:     "base URL that is not a path",
			f:        fixture{file: validGitHub, env: env("ARGILLA_BASE_URL=https://example.com/argilla")},
			problems: []string{`env ARGILLA_BASE_URL: base_path = "https://example.com/argilla": not a path`},
		},
		{
			name:     "malformed listen address",
			f:        fixture{file: validGitHub, args: []string{"-listen", "6901"}},
			problems: []string{`flag -listen: listen = "6901": not a host:port address`},
		},
		{
			name:     "malformed trusted proxy",
			f:        fixture{file: validGitHub, env: env("AUTHPROXY_TRUSTED_PROXIES=10.0.0.0/8, proxy.local")},
			problems: []string{`trusted_proxies = "proxy.local": not an IP address or CIDR prefix`},
		},
		{
			name:     "short session",
			f:        fixture{file: validGitHub, env: env("AUTHPROXY_SESSION_TTL=30s")},
			problems: []string{`session_ttl = "30s": not a duration of at least 1m`},
		},
		{
			name:     "metrics on the proxy's port",
			f:        fixture{file: validGitHub, env: env("AUTHPROXY_LISTEN=:17999", "AUTHPROXY_METRICS_LISTEN=0.0.0.0:17999")},
			problems: []string{`metrics_listen = "0.0.0.0:17999": the same address as listen`},
		},
		{
			name:     "API key with a line break",
			f:        fixture{file: validGitHub, env: env("AUTHPROXY_ARGILLA_API_KEY=owner\nkey")},
			problems: []string{`argilla_api_key: the API key contains white space or control characters`},
		},
		{
			name:     "cookie secret list with an empty entry",
			f:        fixture{file: validGitHub, env: env("AUTHPROXY_COOKIE_SECRETS=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,")},
			problems: []string{`cookie_secrets: the list has an empty entry`},
		},
		{
			name:     "clock skew too large",
			f:        fixture{file: validGitHub, env: env("AUTHPROXY_CLOCK_SKEW=1h")},
			problems: []string{`clock_skew = "1h": not a duration from 0s to 10m`},
		},
		{
			name:     "negative clock skew",
			f:        fixture{file: validGitHub, env: env("AUTHPROXY_CLOCK_SKEW=-5s")},
			problems: []string{`clock_skew = "-5s": not a duration from 0s to 10m`},
		},
		{
			name:     "unknown log level",
			f:        fixture{file: validGitHub, env: env("AUTHPROXY_LOG_LEVEL=verbose")},
			problems: []string{`log_level = "verbose": unknown log level`},
		},
		{
			name: "cookie secret of the wrong length",
			f:    fixture{file: validGitHub, env: env("AUTHPROXY_COOKIE_SECRETS=c2hvcnQ=")},
			problems: []string{
				"env AUTHPROXY_COOKIE_SECRETS: cookie_secrets: secret 1 of 1: decodes to 5 bytes, expected 32; " +
					"fix: generate each secret with `openssl rand -base64 32`",
			},
		},
		{
			name:     "second cookie secret not base64",
			f:        fixture{file: validGitHub, env: env("AUTHPROXY_COOKIE_SECRETS=" + testCookieSecret + ",not*base64")},
			problems: []string{"cookie_secrets: secret 2 of 2: not valid base64"},
		},
		{
			name:     "missing cookie secret",
			f:        fixture{file: validGitHub, env: env("AUTHPROXY_COOKIE_SECRETS=" + unset)},
			problems: []string{"cookie_secrets: missing cookie secret"},
		},
		{
			name: "missing owner API key",
			f:    fixture{file: validGitHub, env: env("AUTHPROXY_ARGILLA_API_KEY=" + unset)},
			problems: []string{
				"argilla_api_key: missing Argilla owner API key, which provisioning needs; " +
					"fix: set AUTHPROXY_ARGILLA_API_KEY or AUTHPROXY_ARGILLA_API_KEY_FILE",
			},
		},
		{
			name: "secret both direct and as file",
			f: fixture{file: validGitHub,
				env: env("AUTHPROXY_ARGILLA_API_KEY_FILE=/run/secrets/key"), files: map[string]string{"/run/secrets/key": "k"}},
			problems: []string{
				"env AUTHPROXY_ARGILLA_API_KEY: AUTHPROXY_ARGILLA_API_KEY: both AUTHPROXY_ARGILLA_API_KEY and " +
					"AUTHPROXY_ARGILLA_API_KEY_FILE are set; fix: unset one of them",
			},
		},
		{
			name: "unreadable secret file",
			f: fixture{file: "providers:\n  - {name: github, client_id: a}\n",
				env: env("OAUTH2_GITHUB_CLIENT_SECRET_FILE=/run/secrets/missing")},
			problems: []string{
				"providers.github.client_secret: missing client secret",
				`env OAUTH2_GITHUB_CLIENT_SECRET_FILE: OAUTH2_GITHUB_CLIENT_SECRET_FILE = "/run/secrets/missing": ` +
					"cannot read the secret file: file does not exist; fix: point it at a readable file, or unset it",
			},
		},
		{
			name: "unreadable cookie secret file",
			f: fixture{file: validGitHub,
				env: env("AUTHPROXY_COOKIE_SECRETS=", "AUTHPROXY_COOKIE_SECRETS_FILE=/run/secrets/missing")},
			problems: []string{
				`env AUTHPROXY_COOKIE_SECRETS_FILE: AUTHPROXY_COOKIE_SECRETS_FILE = "/run/secrets/missing": ` +
					"cannot read the secret file: file does not exist; fix: point it at a readable file, or unset it",
			},
		},
		{
			name: "unknown authproxy key",
			f:    fixture{file: validGitHub + "authproxy:\n  upstrem: http://a\n"},
			problems: []string{
				`.oauth.yaml:4: authproxy.upstrem: unknown key; fix: rename it to "upstream"`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems, _ := loadProblems(t, tt.f)
			checkProblems(t, "problems", problems, tt.problems)
		})
	}
}

// TestLoadReportsEveryMistake checks that Load goes on after the first
// mistake, in the file and in the environment.
func TestLoadReportsEveryMistake(t *testing.T) {
	file := `providers:
  - name: keycloack
  - name: githb
    client_id: a
  - name: github
    clientsecret: x
    client_id: b
  - name: github
allowed_workspaces:
  - name: argilla
allow_http_redirect: maybe
extra_backends: [social_core.backends.facebook.FacebookOAuth2]
`
	problems, warnings := loadProblems(t, fixture{
		file: file,
		env:  env("AUTHPROXY_COOKIE_SECRETS=c2hvcnQ=", "AUTHPROXY_ARGILLA_API_KEY="+unset, "AUTHPROXY_UPSTREAM=argilla"),
	})
	checkProblems(t, "problems", problems, []string{
		".oauth.yaml:2: providers.keycloak.client_id: missing client id",
		".oauth.yaml:2: providers.keycloak.client_secret: missing client secret",
		".oauth.yaml:2: providers.keycloak.oidc_endpoint: keycloak needs the URL",
		`.oauth.yaml:3: providers[1].name = "githb": unsupported provider; fix: write "github"`,
		".oauth.yaml:5: providers.github.client_secret: missing client secret",
		".oauth.yaml:6: providers[2].clientsecret: unknown provider key",
		`.oauth.yaml:8: providers[3].name = "github": provider already configured at line 5`,
		`.oauth.yaml:11: allow_http_redirect = "maybe": not a boolean`,
		`.oauth.yaml:12: extra_backends = "social_core.backends.facebook.FacebookOAuth2": not a supported OAuth2 backend`,
		`upstream = "argilla": not an absolute http or https URL`,
		"cookie_secrets: secret 1 of 1: decodes to 5 bytes",
		"argilla_api_key: missing Argilla owner API key",
	})
	checkProblems(t, "warnings", warnings, []string{`providers[0].name = "keycloack": read as "keycloak"`})
}

// TestLoadNeverPrintsSecrets puts a recognisable secret into every place
// that holds one, each with a mistake nearby, and checks every message.
func TestLoadNeverPrintsSecrets(t *testing.T) {
	const secret = "S3CR3T-must-not-appear"
	file := `providers:
  - name: github
    client_id: a
    client_secret: "` + secret + `-file"
    client-secret: "` + secret + `-typo"
    sync_user: "` + secret + `-bool"
  - name: keycloak
    client_secret: [` + secret + `-list]
authproxy:
  cookie_secrets: ` + secret + `-cookie
  argilla_api_key: ` + secret + `-api
  argilla_api_kee: ` + secret + `-typo2
`
	f := fixture{
		file: file,
		env: env(
			"AUTHPROXY_COOKIE_SECRETS="+unset,
			"AUTHPROXY_ARGILLA_API_KEY="+unset,
			"OAUTH2_KEYCLOAK_CLIENT_SECRET="+secret+"-env",
			"OAUTH2_KEYCLOAK_CLIENT_SECRET_FILE=/run/secret",
			"SOCIAL_AUTH_SECRET="+secret+"-social",
		),
		files: map[string]string{"/run/secret": secret + "-in-file"},
	}
	problems, warnings := loadProblems(t, f)
	for _, p := range append(problems, warnings...) {
		// A boolean's value is shown; the test wrote a secret into one only
		// to check that the value shown is the boolean's own.
		if p.Key == "providers[0].sync_user" {
			continue
		}
		if strings.Contains(p.String(), secret) {
			t.Errorf("message contains a secret: %s", p)
		}
	}
	if len(problems) < 4 {
		t.Errorf("got %d problems, want at least 4:\n%s", len(problems), formatProblems(problems))
	}
}

func TestLoadFlagErrors(t *testing.T) {
	if _, err := (fixture{file: validGitHub, args: []string{"-h"}}).load(); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error = %v, want flag.ErrHelp", err)
	}
	if _, err := (fixture{file: validGitHub, args: []string{"-no-such-flag"}}).load(); err == nil {
		t.Error("unknown flag: no error")
	}
	if _, err := (fixture{file: validGitHub, args: []string{"serve"}}).load(); err == nil {
		t.Error("stray argument: no error")
	}
}

func TestLoadWarnings(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		warnings []string
	}{
		{
			name:     "no providers",
			file:     "allowed_workspaces:\n  - name: argilla\n",
			warnings: []string{"providers: no provider configured"},
		},
		{
			name:     "list as top-level key",
			file:     validGitHub + "? [a, b]\n: c\n",
			warnings: []string{".oauth.yaml:3: (a list or mapping used as a key): unknown top-level key"},
		},
		{
			name:     "workspace twice",
			file:     validGitHub + "allowed_workspaces:\n  - name: a\n  - name: a\n",
			warnings: []string{`.oauth.yaml:5: allowed_workspaces = "a": workspace listed twice`},
		},
		{
			name:     "built-in backend in extra_backends",
			file:     validGitHub + "extra_backends: [social_core.backends.github.GithubOAuth2]\n",
			warnings: []string{"extra_backends = \"social_core.backends.github.GithubOAuth2\": this backend is built in"},
		},
		{
			name: "redirect_uri away from the callback page",
			file: "providers:\n  - {name: github, client_id: a, client_secret: b, redirect_uri: /login}\n",
			warnings: []string{
				`providers.github.redirect_uri = "/login": does not end in /oauth/github/callback`,
			},
		},
		{
			name: "absolute http redirect_uri made https",
			file: "providers:\n  - {name: github, client_id: a, client_secret: b, " +
				"redirect_uri: 'http://localhost:6900/oauth/github/callback'}\n",
			warnings: []string{"uses http, but the scheme becomes https because allow_http_redirect is false"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, fixture{file: tt.file})
			checkProblems(t, "warnings", c.Warnings, tt.warnings)
		})
	}
}
