package providers

import (
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/argilla-authproxy/authproxy/internal/config"
	"github.com/argilla-authproxy/authproxy/internal/providers/fakes"
)

// extraClasses are the social-core classes that enable the providers
// Argilla does not ship, as extra_backends lists them.
var extraClasses = map[string]string{
	"apple-id":              "social_core.backends.apple.AppleIdAuth",
	"oidc":                  "social_core.backends.open_id_connect.OpenIdConnectAuth",
	"gitlab":                "social_core.backends.gitlab.GitLabOAuth2",
	"microsoft-graph":       "social_core.backends.microsoft.MicrosoftOAuth2",
	"azuread-tenant-oauth2": "social_core.backends.azuread_tenant.AzureADTenantOAuth2",
	"okta-openidconnect":    "social_core.backends.okta_openidconnect.OktaOpenIdConnect",
	"auth0":                 "social_core.backends.auth0.Auth0OAuth2",
	"github-enterprise":     "social_core.backends.github_enterprise.GithubEnterpriseOAuth2",
	"github-org":            "social_core.backends.github.GithubOrganizationOAuth2",
	"github-team":           "social_core.backends.github.GithubTeamOAuth2",
}

// testProvider is one providers entry of a test's OAuth file.
type testProvider struct {
	name, clientID, clientSecret, scope string
}

// loadConfig loads an OAuth file with entries and env through config.Load,
// as the proxy does, so that settings resolve with the real precedence.
func loadConfig(t *testing.T, entries []testProvider, env map[string]string) *config.Config {
	t.Helper()
	var file strings.Builder
	file.WriteString("providers:\n")
	var extras []string
	for _, e := range entries {
		file.WriteString("  - name: " + e.name + "\n")
		if e.clientID != "" {
			file.WriteString("    client_id: \"" + e.clientID + "\"\n")
		}
		if e.clientSecret != "" {
			file.WriteString("    client_secret: \"" + strings.ReplaceAll(e.clientSecret, "\n", `\n`) + "\"\n")
		}
		if e.scope != "" {
			file.WriteString("    scope: \"" + e.scope + "\"\n")
		}
		if class, ok := extraClasses[e.name]; ok {
			extras = append(extras, class)
		}
	}
	if len(extras) > 0 {
		file.WriteString("extra_backends:\n")
		for _, class := range extras {
			file.WriteString("  - " + class + "\n")
		}
	}

	values := map[string]string{
		"ARGILLA_AUTH_OAUTH_CFG":    "/test/.oauth.yaml",
		"AUTHPROXY_COOKIE_SECRETS":  base64.StdEncoding.EncodeToString(make([]byte, 32)),
		"AUTHPROXY_ARGILLA_API_KEY": "owner.apikey",
	}
	for k, v := range env {
		values[k] = v
	}
	cfg, err := config.Load(config.Options{
		Args: []string{},
		Env: func(name string) (string, bool) {
			v, ok := values[name]
			return v, ok
		},
		ReadFile: func(path string) ([]byte, error) {
			if path == "/test/.oauth.yaml" {
				return []byte(file.String()), nil
			}
			return nil, fs.ErrNotExist
		},
	})
	if err != nil {
		t.Fatalf("config.Load: %v\nfile:\n%s", err, file.String())
	}
	return cfg
}

// newProvider loads one provider's configuration and builds it with opts.
func newProvider(t *testing.T, entry testProvider, env map[string]string, opts Options) Provider {
	t.Helper()
	cfg := loadConfig(t, []testProvider{entry}, env)
	p, err := New(cfg.Providers[0], opts)
	if err != nil {
		t.Fatalf("New(%s): %v", entry.name, err)
	}
	return p
}

// newRequest returns the values of one login, as the proxy stores them.
func newRequest(provider string) Request {
	return Request{
		State:        oauth2.GenerateVerifier()[:20],
		Nonce:        oauth2.GenerateVerifier()[:24],
		CodeVerifier: oauth2.GenerateVerifier(),
		RedirectURI:  "http://127.0.0.1:6901/oauth/" + provider + "/callback",
	}
}

// login runs one whole login against a fake: the authorization URL, the
// fake's approval, and the exchange.
func login(t *testing.T, p Provider) (*Identity, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, callback := authorize(t, ctx, p)
	return p.Exchange(ctx, req, callback)
}

// authorize starts a login with p, lets the fake authorize it as a browser
// would, and returns the login's request and the callback's query.
func authorize(t *testing.T, ctx context.Context, p Provider) (Request, url.Values) {
	t.Helper()
	req := newRequest(p.Name())
	authURL, err := p.AuthCodeURL(ctx, req)
	if err != nil {
		t.Fatalf("AuthCodeURL: %v", err)
	}
	callback, err := fakes.Authorize(ctx, authURL)
	if err != nil {
		t.Fatalf("authorize at the fake: %v", err)
	}
	if got := callback.Get("state"); got != req.State {
		t.Fatalf("callback state = %q, expected %q", got, req.State)
	}
	return req, callback
}

// mustLogin runs login and fails the test on an error.
func mustLogin(t *testing.T, p Provider) *Identity {
	t.Helper()
	id, err := login(t, p)
	if err != nil {
		t.Fatalf("login with %s: %v", p.Name(), err)
	}
	return id
}

// loginError runs a login that must fail and returns its *Error.
func loginError(t *testing.T, p Provider) *Error {
	t.Helper()
	id, err := login(t, p)
	if err == nil {
		t.Fatalf("login with %s succeeded as %+v, expected an error", p.Name(), id)
	}
	var providerErr *Error
	if !errors.As(err, &providerErr) {
		t.Fatalf("login error %v (%T) is not a *providers.Error", err, err)
	}
	return providerErr
}

// checkError compares a login error's status and checks that its message
// contains every fragment.
func checkError(t *testing.T, err *Error, status int, fragments ...string) {
	t.Helper()
	if err.Status != status {
		t.Errorf("status = %d, expected %d (message %q)", err.Status, status, err.Error())
	}
	for _, fragment := range fragments {
		if !strings.Contains(err.Error(), fragment) {
			t.Errorf("error %q does not contain %q", err.Error(), fragment)
		}
	}
}

// hostsFor returns Options.hosts that send the fixed public hosts to a fake.
func hostsFor(fake string, hosts ...string) map[string]string {
	m := map[string]string{}
	for _, h := range hosts {
		m[h] = fake
	}
	return m
}

// asError is errors.As for *Error.
func asError(err error, target **Error) bool { return errors.As(err, target) }
