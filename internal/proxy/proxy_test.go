package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argilla-authproxy/authproxy/internal/argilla"
	"github.com/argilla-authproxy/authproxy/internal/config"
	"github.com/argilla-authproxy/authproxy/internal/providers"
	"github.com/argilla-authproxy/authproxy/internal/session"
)

// stubProvider replaces an identity provider at the interface the proxy
// uses. Package providers tests the OIDC exchange itself.
type stubProvider struct {
	mu        sync.Mutex
	requests  []providers.Request
	identity  *providers.Identity
	exchange  error
	authorize error
	check     error
}

func (p *stubProvider) Name() string { return "keycloak" }

func (p *stubProvider) Check(context.Context) error { return p.check }

func (p *stubProvider) AuthCodeURL(_ context.Context, r providers.Request) (string, error) {
	if p.authorize != nil {
		return "", p.authorize
	}
	p.mu.Lock()
	p.requests = append(p.requests, r)
	p.mu.Unlock()
	q := url.Values{"state": {r.State}, "redirect_uri": {r.RedirectURI}}
	return "https://idp.test/authorize?" + q.Encode(), nil
}

func (p *stubProvider) Exchange(_ context.Context, r providers.Request, callback url.Values) (*providers.Identity, error) {
	if p.exchange != nil {
		return nil, p.exchange
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, started := range p.requests {
		if started == r {
			identity := *p.identity
			return &identity, nil
		}
	}
	return nil, &providers.Error{Status: http.StatusUnauthorized, Message: "unknown login"}
}

type stubProvisioner struct {
	mu       sync.Mutex
	accounts []argilla.Account
	err      error
}

func (p *stubProvisioner) Provision(_ context.Context, a argilla.Account) (*argilla.User, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accounts = append(p.accounts, a)
	if p.err != nil {
		return nil, p.err
	}
	return &argilla.User{ID: "user-1", Username: a.Username, Role: a.Role, APIKey: "user-api-key"}, nil
}

func (p *stubProvisioner) EnsureWorkspaces(context.Context, []string) ([]argilla.Workspace, error) {
	return nil, nil
}

type testProxy struct {
	server      *Server
	provider    *stubProvider
	provisioner *stubProvisioner
	upstream    *httptest.Server
	// upstreamRequests receives every request that reaches the upstream.
	upstreamRequests chan *http.Request
	upstreamStatus   int
}

func newTestProxy(t testing.TB, edit func(*config.Config)) *testProxy {
	t.Helper()
	tp := &testProxy{
		provider:         &stubProvider{identity: &providers.Identity{Provider: "keycloak", Subject: "sub-1", Username: "alice"}},
		provisioner:      &stubProvisioner{},
		upstreamRequests: make(chan *http.Request, 16),
		upstreamStatus:   http.StatusOK,
	}
	tp.upstream = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tp.upstreamRequests <- r.Clone(context.Background())
		w.WriteHeader(tp.upstreamStatus)
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(tp.upstream.Close)
	upstreamURL, _ := url.Parse(tp.upstream.URL)

	cfg := &config.Config{
		Enabled:           true,
		Providers:         []config.Provider{{Name: "keycloak", RedirectURI: "/oauth/keycloak/callback"}},
		AllowedWorkspaces: []string{"argilla", "team-b"},
		AllowHTTPRedirect: true,
		Upstream:          upstreamURL,
		BasePath:          "/",
		SessionTTL:        time.Hour,
		CookieSecrets:     [][]byte{[]byte("0123456789abcdef0123456789abcdef")},
	}
	if edit != nil {
		edit(cfg)
	}
	keys, err := session.NewKeys(cfg.CookieSecrets, cfg.SessionTTL, FlowTTL)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tp.server = New(cfg, keys, []providers.Provider{tp.provider}, tp.provisioner, log)
	return tp
}

func (tp *testProxy) do(r *http.Request) *http.Response {
	w := httptest.NewRecorder()
	tp.server.ServeHTTP(w, r)
	return w.Result()
}

// signIn runs a whole login and returns the cookies the browser would hold
// and the token the UI would store.
func (tp *testProxy) signIn(t testing.TB) (cookies []*http.Cookie, token string) {
	t.Helper()
	start := tp.do(httptest.NewRequest("GET", "http://argilla.test/api/v1/oauth2/providers/keycloak/authentication", nil))
	if start.StatusCode != http.StatusSeeOther {
		t.Fatalf("authentication status = %d, want 303", start.StatusCode)
	}
	location, _ := url.Parse(start.Header.Get("Location"))
	state := location.Query().Get("state")

	req := httptest.NewRequest("GET", "http://argilla.test/api/v1/oauth2/providers/keycloak/access-token?code=c&state="+url.QueryEscape(state), nil)
	for _, c := range start.Cookies() {
		req.AddCookie(c)
	}
	resp := tp.do(req)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("access-token status = %d, body %s", resp.StatusCode, body)
	}
	var answer struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		t.Fatal(err)
	}
	if answer.TokenType != "bearer" {
		t.Errorf("token_type = %q, want bearer", answer.TokenType)
	}
	for _, c := range resp.Cookies() {
		if c.Name == session.CookieName {
			cookies = append(cookies, c)
		}
	}
	if len(cookies) != 1 {
		t.Fatalf("access-token set %d session cookies, want 1", len(cookies))
	}
	return cookies, answer.AccessToken
}

func TestProvidersList(t *testing.T) {
	tp := newTestProxy(t, nil)
	resp := tp.do(httptest.NewRequest("GET", "/api/v1/oauth2/providers", nil))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d", resp.StatusCode)
	}
	if got := strings.TrimSpace(string(body)); got != `{"items":[{"name":"keycloak"}]}` {
		t.Errorf("body = %s", got)
	}
}

func TestProvidersListDisabled(t *testing.T) {
	tp := newTestProxy(t, func(c *config.Config) { c.Enabled = false })
	resp := tp.do(httptest.NewRequest("GET", "/api/v1/oauth2/providers", nil))
	body, _ := io.ReadAll(resp.Body)
	if got := strings.TrimSpace(string(body)); got != `{"items":[]}` {
		t.Errorf("body = %s, want no providers", got)
	}
	resp = tp.do(httptest.NewRequest("GET", "/api/v1/oauth2/providers/keycloak/authentication", nil))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("authentication with OAuth disabled: status = %d, want 404", resp.StatusCode)
	}
}

func TestAuthenticationUnknownProvider(t *testing.T) {
	tp := newTestProxy(t, nil)
	resp := tp.do(httptest.NewRequest("GET", "/api/v1/oauth2/providers/github/authentication", nil))
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status = %d, want 404", resp.StatusCode)
	}
	if !strings.Contains(string(body), `OAuth Provider 'github' not found`) {
		t.Errorf("body = %s", body)
	}
}

func TestAuthenticationFlowCookie(t *testing.T) {
	cases := []struct {
		name       string
		target     string
		allowHTTP  bool
		wantSecure bool
		wantURI    string
	}{
		{"http allowed", "http://localhost:6901/api/v1/oauth2/providers/keycloak/authentication", true, false, "http://localhost:6901/oauth/keycloak/callback"},
		{"http not allowed", "http://argilla.test/api/v1/oauth2/providers/keycloak/authentication", false, true, "https://argilla.test/oauth/keycloak/callback"},
		{"https", "https://argilla.test/api/v1/oauth2/providers/keycloak/authentication", true, true, "http://argilla.test/oauth/keycloak/callback"},
		{"query ignored", "http://localhost/api/v1/oauth2/providers/keycloak/authentication?redirect_uri=https://evil.test/&scope=admin", true, false, "http://localhost/oauth/keycloak/callback"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp := newTestProxy(t, func(cfg *config.Config) { cfg.AllowHTTPRedirect = c.allowHTTP })
			resp := tp.do(httptest.NewRequest("GET", c.target, nil))
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status = %d, want 303", resp.StatusCode)
			}
			location, _ := url.Parse(resp.Header.Get("Location"))
			if got := location.Query().Get("redirect_uri"); got != c.wantURI {
				t.Errorf("redirect_uri = %q, want %q", got, c.wantURI)
			}
			if location.Query().Get("scope") != "" {
				t.Errorf("a query parameter of the request reached the provider URL: %s", location)
			}
			cookies := resp.Cookies()
			if len(cookies) != 1 {
				t.Fatalf("set %d cookies, want 1", len(cookies))
			}
			cookie := cookies[0]
			if !strings.HasPrefix(cookie.Name, session.FlowCookiePrefix) {
				t.Errorf("cookie name = %q", cookie.Name)
			}
			if !cookie.HttpOnly {
				t.Error("flow cookie is not HttpOnly")
			}
			if cookie.Secure != c.wantSecure {
				t.Errorf("flow cookie Secure = %v, want %v", cookie.Secure, c.wantSecure)
			}
			if cookie.SameSite != http.SameSiteLaxMode {
				t.Errorf("flow cookie SameSite = %v, want Lax", cookie.SameSite)
			}
			if cookie.Path != "/api/v1/oauth2/" {
				t.Errorf("flow cookie path = %q", cookie.Path)
			}
		})
	}
}

func TestAuthenticationProviderDown(t *testing.T) {
	tp := newTestProxy(t, nil)
	tp.provider.authorize = providers.ErrNotReady
	resp := tp.do(httptest.NewRequest("GET", "/api/v1/oauth2/providers/keycloak/authentication", nil))
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503", resp.StatusCode)
	}
	if len(resp.Cookies()) != 0 {
		t.Error("a flow cookie was set for a login that could not start")
	}
}

func TestSignInSetsSession(t *testing.T) {
	tp := newTestProxy(t, nil)
	cookies, token := tp.signIn(t)
	c := cookies[0]
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("session cookie attributes = %+v", c)
	}
	if !session.IsToken(token) {
		t.Errorf("access_token %q is not an authproxy token", token)
	}
	if len(tp.provisioner.accounts) != 1 {
		t.Fatalf("provisioned %d times, want 1", len(tp.provisioner.accounts))
	}
	a := tp.provisioner.accounts[0]
	if a.Username != "alice" || a.Subject != "sub-1" || a.Provider != "keycloak" {
		t.Errorf("account = %+v", a)
	}
	if a.Role != "" {
		t.Errorf("role = %q, want none, so that provisioning applies the default", a.Role)
	}
	if strings.Join(a.Workspaces, ",") != "argilla,team-b" {
		t.Errorf("workspaces = %v, want the allowed workspaces", a.Workspaces)
	}
}

func TestTwoTabsSignInAtOnce(t *testing.T) {
	tp := newTestProxy(t, nil)
	var starts []*http.Response
	for range 2 {
		starts = append(starts, tp.do(httptest.NewRequest("GET", "http://localhost/api/v1/oauth2/providers/keycloak/authentication", nil)))
	}
	if starts[0].Cookies()[0].Name == starts[1].Cookies()[0].Name {
		t.Fatal("two logins share one flow cookie name, so the second overwrites the first")
	}
	// The browser holds both cookies; each tab finishes its own login.
	for i, start := range starts {
		location, _ := url.Parse(start.Header.Get("Location"))
		req := httptest.NewRequest("GET", "http://localhost/api/v1/oauth2/providers/keycloak/access-token?code=c&state="+url.QueryEscape(location.Query().Get("state")), nil)
		req.AddCookie(starts[0].Cookies()[0])
		req.AddCookie(starts[1].Cookies()[0])
		if resp := tp.do(req); resp.StatusCode != http.StatusOK {
			t.Errorf("tab %d: access-token status = %d, want 200", i+1, resp.StatusCode)
		}
	}
}

// startLogin starts a login and returns its state and flow cookie.
func (tp *testProxy) startLogin(t testing.TB) (string, *http.Cookie) {
	t.Helper()
	start := tp.do(httptest.NewRequest("GET", "http://localhost/api/v1/oauth2/providers/keycloak/authentication", nil))
	location, err := url.Parse(start.Header.Get("Location"))
	if err != nil || len(start.Cookies()) != 1 {
		t.Fatalf("login start: status %d, location %q, %d cookies", start.StatusCode, start.Header.Get("Location"), len(start.Cookies()))
	}
	return location.Query().Get("state"), start.Cookies()[0]
}

func TestAccessTokenRejects(t *testing.T) {
	// Each case gets its own login, because a state is used up by the
	// first request that passes the state check.
	cases := []struct {
		name       string
		request    func(state string, cookie, other *http.Cookie) (string, *http.Cookie)
		wantStatus int
		wantDetail string
	}{
		{"missing code", func(state string, cookie, _ *http.Cookie) (string, *http.Cookie) {
			return "state=" + state, cookie
		}, 422, "'code' parameter was not found in callback request"},
		{"missing state", func(_ string, cookie, _ *http.Cookie) (string, *http.Cookie) {
			return "code=c", cookie
		}, 422, "'state' parameter was not found in callback request"},
		{"no flow cookie", func(state string, _, _ *http.Cookie) (string, *http.Cookie) {
			return "code=c&state=" + state, nil
		}, 422, "'state' parameter does not match"},
		{"cookie of another login", func(state string, cookie, other *http.Cookie) (string, *http.Cookie) {
			renamed := *other
			renamed.Name = cookie.Name
			return "code=c&state=" + state, &renamed
		}, 422, "'state' parameter does not match"},
		{"unknown state", func(_ string, cookie, _ *http.Cookie) (string, *http.Cookie) {
			return "code=c&state=forged", cookie
		}, 422, "'state' parameter does not match"},
		{"provider error", func(state string, cookie, _ *http.Cookie) (string, *http.Cookie) {
			return "error=access_denied&error_description=user+cancelled&state=" + state, cookie
		}, 401, "the provider returned the error access_denied"},
		{"provider error without login", func(_ string, _, _ *http.Cookie) (string, *http.Cookie) {
			return "error=access_denied&error_description=Re-enter+your+password+at+https://evil.test&state=x", nil
		}, 422, "'state' parameter does not match"},
		{"malformed error code", func(state string, cookie, _ *http.Cookie) (string, *http.Cookie) {
			return "error=" + url.QueryEscape("visit https://evil.test") + "&state=" + state, cookie
		}, 401, "invalid_error_code"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp := newTestProxy(t, nil)
			state, cookie := tp.startLogin(t)
			_, other := tp.startLogin(t)
			query, sent := c.request(url.QueryEscape(state), cookie, other)
			req := httptest.NewRequest("GET", "http://localhost/api/v1/oauth2/providers/keycloak/access-token?"+query, nil)
			if sent != nil {
				req.AddCookie(sent)
			}
			resp := tp.do(req)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, c.wantStatus)
			}
			if !strings.Contains(string(body), c.wantDetail) {
				t.Errorf("body = %s, want detail containing %q", body, c.wantDetail)
			}
			if strings.Contains(string(body), "evil.test") {
				t.Errorf("body repeats text from the URL: %s", body)
			}
			for _, set := range resp.Cookies() {
				if set.Name == session.CookieName && set.MaxAge >= 0 {
					t.Error("a session cookie was issued")
				}
			}
			if len(tp.provisioner.accounts) != 0 {
				t.Errorf("provisioned %d accounts for a rejected login", len(tp.provisioner.accounts))
			}
		})
	}
}

func TestOwnPathsNeverForwarded(t *testing.T) {
	tp := newTestProxy(t, nil)
	cases := []struct {
		target     string
		wantStatus int
	}{
		{"/api/v1/%6fauth2/providers", 200},
		{"/api/v1/oauth2%2Fproviders", 200},
		{"/api/v1/x/../oauth2/providers", 200},
		{"//api/v1/oauth2/providers", 200},
		{"/api/v1/oauth2/providers/keycloak%2Fauthentication", 303},
		{"/api/v1/oauth2/providers/keycloak/access%2Dtoken", 422},
		{"/api/v1/oauth2/providers/keycloak/other", 404},
		{"/api/v1/oauth2/", 404},
		{"/authproxy/%70ing", 200},
		{"/authproxy/unknown", 404},
	}
	for _, c := range cases {
		t.Run(c.target, func(t *testing.T) {
			req := httptest.NewRequest("GET", "http://localhost/", nil)
			req.URL, _ = url.Parse("http://localhost" + c.target)
			req.RequestURI = c.target
			resp := tp.do(req)
			if resp.StatusCode != c.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, c.wantStatus)
			}
			select {
			case up := <-tp.upstreamRequests:
				t.Errorf("forwarded to Argilla as %s", up.URL.RawPath+up.URL.Path)
			default:
			}
		})
	}

	head := httptest.NewRequest("HEAD", "http://localhost/api/v1/oauth2/providers", nil)
	if resp := tp.do(head); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("HEAD on an OAuth endpoint: status = %d, want 405", resp.StatusCode)
	}
	select {
	case <-tp.upstreamRequests:
		t.Error("HEAD on an OAuth endpoint was forwarded to Argilla")
	default:
	}
}

func TestForwardConnectionHeaderKeepsKey(t *testing.T) {
	tp := newTestProxy(t, nil)
	cookies, token := tp.signIn(t)
	req := httptest.NewRequest("GET", "http://localhost/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Connection", "X-Argilla-Api-Key")
	req.AddCookie(cookies[0])
	tp.do(req)
	up := <-tp.upstreamRequests
	if got := up.Header.Get("X-Argilla-Api-Key"); got != "user-api-key" {
		t.Errorf("X-Argilla-Api-Key reaching Argilla = %q, want the user's key", got)
	}
}

func TestAuthenticationWithoutHost(t *testing.T) {
	tp := newTestProxy(t, nil)
	req := httptest.NewRequest("GET", "http://localhost/api/v1/oauth2/providers/keycloak/authentication", nil)
	req.Host = ""
	resp := tp.do(req)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status = %d, want 400", resp.StatusCode)
	}
	if len(resp.Cookies()) != 0 {
		t.Error("a flow cookie was set for a request without Host")
	}
}

func TestAccessTokenSingleUse(t *testing.T) {
	tp := newTestProxy(t, nil)
	start := tp.do(httptest.NewRequest("GET", "http://localhost/api/v1/oauth2/providers/keycloak/authentication", nil))
	location, _ := url.Parse(start.Header.Get("Location"))
	target := "http://localhost/api/v1/oauth2/providers/keycloak/access-token?code=c&state=" + url.QueryEscape(location.Query().Get("state"))

	first := httptest.NewRequest("GET", target, nil)
	first.AddCookie(start.Cookies()[0])
	resp := tp.do(first)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("first use: status = %d", resp.StatusCode)
	}
	cleared := false
	for _, c := range resp.Cookies() {
		if c.Name == start.Cookies()[0].Name && c.MaxAge < 0 {
			cleared = true
		}
	}
	if !cleared {
		t.Error("the flow cookie was not cleared after use")
	}

	replay := httptest.NewRequest("GET", target, nil)
	replay.AddCookie(start.Cookies()[0])
	if resp := tp.do(replay); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("replayed flow cookie: status = %d, want 422", resp.StatusCode)
	}
}

func TestAccessTokenFailuresIssueNoSession(t *testing.T) {
	cases := []struct {
		name       string
		exchange   error
		provision  error
		wantStatus int
		wantDetail string
	}{
		{"provider rejects code", &providers.Error{Status: 401, Code: "invalid_grant", Message: "the provider rejected the authorization code"}, nil, 401, "invalid_grant"},
		{"provider unreachable", errors.New("dial tcp: refused"), nil, 502, "failed"},
		{"argilla down", nil, &argilla.Error{Status: 502, Message: "Argilla could not be reached to set up your account"}, 502, "Argilla could not be reached"},
		{"username taken", nil, &argilla.Error{Status: 409, Message: "the Argilla username \"alice\" already belongs to another account"}, 409, "already belongs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tp := newTestProxy(t, nil)
			tp.provider.exchange = c.exchange
			tp.provisioner.err = c.provision
			start := tp.do(httptest.NewRequest("GET", "http://localhost/api/v1/oauth2/providers/keycloak/authentication", nil))
			location, _ := url.Parse(start.Header.Get("Location"))
			req := httptest.NewRequest("GET", "http://localhost/api/v1/oauth2/providers/keycloak/access-token?code=c&state="+url.QueryEscape(location.Query().Get("state")), nil)
			req.AddCookie(start.Cookies()[0])
			resp := tp.do(req)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, c.wantStatus)
			}
			if !strings.Contains(string(body), c.wantDetail) {
				t.Errorf("body = %s, want %q", body, c.wantDetail)
			}
			for _, set := range resp.Cookies() {
				if set.Name == session.CookieName {
					t.Error("a session cookie was set on failure")
				}
			}
		})
	}
}

func TestForwardSignedIn(t *testing.T) {
	tp := newTestProxy(t, nil)
	cookies, token := tp.signIn(t)

	req := httptest.NewRequest("GET", "http://localhost/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Argilla-Api-Key", "forged-owner-key")
	req.Header["X_argilla_api_key"] = []string{"forged-owner-key"}
	req.Header.Set("Cookie", "other=1; "+cookies[0].Name+"="+cookies[0].Value+"; authproxy_flow_abc=x")
	resp := tp.do(req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	up := <-tp.upstreamRequests
	if got := up.Header.Values("X-Argilla-Api-Key"); len(got) != 1 || got[0] != "user-api-key" {
		t.Errorf("X-Argilla-Api-Key reaching Argilla = %v, want only the user's key", got)
	}
	for name := range up.Header {
		if normalizeHeaderName(name) == "x-argilla-api-key" && name != "X-Argilla-Api-Key" {
			t.Errorf("header spelling %q reached Argilla", name)
		}
	}
	if up.Header.Get("Authorization") != "" {
		t.Error("the UI token reached Argilla")
	}
	if got := up.Header.Get("Cookie"); got != "other=1" {
		t.Errorf("Cookie reaching Argilla = %q, want only other=1", got)
	}
}

func TestForwardTokenWithoutCookie(t *testing.T) {
	tp := newTestProxy(t, nil)
	cookies, token := tp.signIn(t)
	_, otherToken := tp.signIn(t)

	cases := map[string]func(*http.Request){
		"no cookie": func(r *http.Request) {},
		"cookie of another session": func(r *http.Request) {
			r.AddCookie(cookies[0])
			r.Header.Set("Authorization", "Bearer "+otherToken)
		},
		"garbled cookie": func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: session.CookieName, Value: "garbage"})
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "http://localhost/api/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			edit(req)
			resp := tp.do(req)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", resp.StatusCode)
			}
			select {
			case <-tp.upstreamRequests:
				t.Error("the request reached Argilla")
			default:
			}
		})
	}
}

func TestForwardWithoutSession(t *testing.T) {
	tp := newTestProxy(t, nil)
	req := httptest.NewRequest("GET", "http://localhost/api/v1/me", nil)
	req.Header.Set("X-Argilla-Api-Key", "sdk-key")
	req.Header.Set("X-Forwarded-For", "10.9.9.9")
	req.Header.Set("X-Forwarded-Host", "evil.test")
	req.RemoteAddr = "192.0.2.7:5555"
	tp.do(req)
	up := <-tp.upstreamRequests
	if got := up.Header.Get("X-Argilla-Api-Key"); got != "sdk-key" {
		t.Errorf("SDK API key reaching Argilla = %q, want sdk-key", got)
	}
	if got := up.Header.Get("X-Forwarded-For"); got != "192.0.2.7" {
		t.Errorf("X-Forwarded-For = %q, want only the peer address", got)
	}
	if got := up.Header.Get("X-Forwarded-Host"); got != "localhost" {
		t.Errorf("X-Forwarded-Host = %q, want the request host", got)
	}
}

func TestForwardTrustedProxyHeaders(t *testing.T) {
	tp := newTestProxy(t, func(c *config.Config) {
		c.TrustedProxies = mustPrefixes(t, "192.0.2.0/24")
		c.AllowHTTPRedirect = false
	})
	req := httptest.NewRequest("GET", "http://internal:6901/api/v1/oauth2/providers/keycloak/authentication", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-Host", "argilla.example.com")
	req.RemoteAddr = "192.0.2.7:5555"
	resp := tp.do(req)
	location, _ := url.Parse(resp.Header.Get("Location"))
	if got := location.Query().Get("redirect_uri"); got != "https://argilla.example.com/oauth/keycloak/callback" {
		t.Errorf("redirect_uri behind a trusted proxy = %q", got)
	}
	if !resp.Cookies()[0].Secure {
		t.Error("flow cookie not Secure behind a TLS-terminating proxy")
	}
}

func TestForwardUpstream401EndsSession(t *testing.T) {
	tp := newTestProxy(t, nil)
	cookies, token := tp.signIn(t)
	tp.upstreamStatus = http.StatusUnauthorized

	req := httptest.NewRequest("GET", "http://localhost/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.AddCookie(cookies[0])
	resp := tp.do(req)
	<-tp.upstreamRequests
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
	cleared := false
	for _, c := range resp.Cookies() {
		if c.Name == session.CookieName && c.MaxAge < 0 {
			cleared = true
		}
	}
	if !cleared {
		t.Error("session cookie not cleared after Argilla rejected the user's key")
	}
}

func TestReadyAfterStart(t *testing.T) {
	tp := newTestProxy(t, nil)
	if resp := tp.do(httptest.NewRequest("GET", "/authproxy/ready", nil)); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("ready before start: status = %d, want 503", resp.StatusCode)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tp.server.Start(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if resp := tp.do(httptest.NewRequest("GET", "/authproxy/ready", nil)); resp.StatusCode == http.StatusOK {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("not ready 5 s after start")
}

func TestKeycloakRolesMapping(t *testing.T) {
	tp := newTestProxy(t, func(c *config.Config) { c.OwnerUsername = "boss" })
	cases := []struct {
		name           string
		identity       providers.Identity
		wantRole       string
		wantOwner      string
		wantWorkspaces string
	}{
		{"default", providers.Identity{Username: "alice"}, "", "boss", "argilla,team-b"},
		{"highest realm role", providers.Identity{Username: "alice", RealmRoles: []string{"argilla_role:annotator", "argilla_role:admin", "offline_access"}}, "admin", "boss", "argilla,team-b"},
		{"workspace roles replace allowed", providers.Identity{Username: "alice", RealmRoles: []string{"argilla_workspace:w1", "argilla_workspace:w2"}}, "", "boss", "w1,w2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.identity.Provider = "keycloak"
			a := tp.server.account(&c.identity)
			if a.Role != c.wantRole {
				t.Errorf("role = %q, want %q", a.Role, c.wantRole)
			}
			if a.OwnerUsername != c.wantOwner {
				t.Errorf("owner username passed to provisioning = %q, want %q", a.OwnerUsername, c.wantOwner)
			}
			if got := strings.Join(a.Workspaces, ","); got != c.wantWorkspaces {
				t.Errorf("workspaces = %q, want %q", got, c.wantWorkspaces)
			}
		})
	}
}

func TestFormPostCallbackBecomesGet(t *testing.T) {
	tp := newTestProxy(t, nil)
	form := url.Values{"code": {"c1"}, "state": {"s1"}, "user": {`{"name":{"firstName":"Ann"}}`}}
	req := httptest.NewRequest("POST", "http://localhost/oauth/keycloak/callback", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp := tp.do(req)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("status = %d, want 303", resp.StatusCode)
	}
	location, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if location.Path != "/oauth/keycloak/callback" {
		t.Errorf("redirect path = %q, want the callback page", location.Path)
	}
	if location.Host != "" {
		t.Errorf("redirect leaves the origin: %s", location)
	}
	for key, want := range form {
		if got := location.Query().Get(key); got != want[0] {
			t.Errorf("query %s = %q, want %q", key, got, want[0])
		}
	}
}

func TestFormPostCallbackLimits(t *testing.T) {
	tp := newTestProxy(t, nil)
	big := "code=" + strings.Repeat("a", 70<<10)
	req := httptest.NewRequest("POST", "http://localhost/oauth/keycloak/callback", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp := tp.do(req); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("oversized form: status = %d, want 400", resp.StatusCode)
	}

	other := httptest.NewRequest("POST", "http://localhost/oauth/unknown/callback", strings.NewReader("code=1"))
	tp.do(other)
	select {
	case up := <-tp.upstreamRequests:
		if up.URL.Path != "/oauth/unknown/callback" {
			t.Errorf("forwarded path = %q", up.URL.Path)
		}
	default:
		t.Error("a POST callback of an unconfigured provider was not forwarded to Argilla")
	}
}

func TestAccessTokenRejectsUnusableUsername(t *testing.T) {
	for _, name := range []string{" argilla", "argilla ", "argi\u200blla", "ar\ngilla", "", "\xff"} {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			tp := newTestProxy(t, nil)
			tp.provider.identity.Username = name
			state, cookie := tp.startLogin(t)
			req := httptest.NewRequest("GET", "http://localhost/api/v1/oauth2/providers/keycloak/access-token?code=c&state="+url.QueryEscape(state), nil)
			req.AddCookie(cookie)
			resp := tp.do(req)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("status = %d, want 422", resp.StatusCode)
			}
			if len(tp.provisioner.accounts) != 0 {
				t.Error("an account was provisioned for an unusable username")
			}
		})
	}
}

func TestStartStopsOnIssuerMismatch(t *testing.T) {
	tp := newTestProxy(t, nil)
	tp.provider.check = fmt.Errorf("%w: names the issuer %q", providers.ErrIssuerMismatch, "https://other.test")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	select {
	case err := <-tp.server.Start(ctx):
		if !errors.Is(err, providers.ErrIssuerMismatch) {
			t.Errorf("Start reported %v, want the issuer mismatch", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Start reported nothing within 5 s for an issuer mismatch")
	}
	if resp := tp.do(httptest.NewRequest("GET", "/authproxy/ready", nil)); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("ready after an issuer mismatch: status = %d, want 503", resp.StatusCode)
	}
}
