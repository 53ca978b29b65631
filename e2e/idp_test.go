package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestStackIdentityProviderCodeFlow runs the authorization code flow with
// PKCE against e2e/idp/server.mjs in Chromium, with a Go handler in place
// of authproxy's callback, and checks the claims that authproxy relies on.
func TestStackIdentityProviderCodeFlow(t *testing.T) {
	s := loadStack(t)
	port := acquirePort(t)
	callbacks := serveCallback(t, port)
	discovery := fetchDiscovery(t, s.Issuer)

	login := uniqueLogin(t, "stack") + "+owner"
	redirectURI := "http://localhost:" + strconv.Itoa(port) + "/oauth/keycloak/callback"
	verifier := randomURLSafe(t, 32)
	challenge := sha256.Sum256([]byte(verifier))
	state := randomURLSafe(t, 16)
	authorize := discovery.AuthorizationEndpoint + "?" + url.Values{
		"response_type":         {"code"},
		"client_id":             {s.ClientID},
		"redirect_uri":          {redirectURI},
		"scope":                 {"openid profile email"},
		"state":                 {state},
		"nonce":                 {randomURLSafe(t, 16)},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(challenge[:])},
		"code_challenge_method": {"S256"},
	}.Encode()

	tab := newBrowser(t, s)
	doStep(t, tab, "open the authorization endpoint", chromedp.Navigate(authorize))
	signInAtProvider(t, tab, s.Issuer, login)

	var callback url.Values
	select {
	case callback = <-callbacks:
	case <-time.After(stepTimeout):
		t.Fatalf("the identity provider did not redirect to %s within %s; browser is at %s",
			redirectURI, stepTimeout, currentLocation(tab))
	}
	if callback.Get("error") != "" {
		t.Fatalf("callback carries error %q: %q", callback.Get("error"), callback.Get("error_description"))
	}
	if got := callback.Get("state"); got != state {
		t.Errorf("callback state is %q, expected the state %q of the request", got, state)
	}
	if got := callback.Get("iss"); got != s.Issuer {
		t.Errorf("callback iss is %q, expected the issuer %q (RFC 9207)", got, s.Issuer)
	}
	code := callback.Get("code")
	if code == "" {
		t.Fatalf("callback has no code; query %v", callback)
	}

	tokens := exchangeCode(t, discovery.TokenEndpoint, s, code, redirectURI, verifier)
	userinfo := fetchUserinfo(t, discovery.UserinfoEndpoint, tokens.AccessToken)

	subject, _ := userinfo["sub"].(string)
	if subject == "" {
		t.Fatalf("userinfo has no sub: %v", userinfo)
	}
	if subject == login {
		t.Errorf("userinfo sub equals the login %q, expected a hash so that tests can tell them apart", login)
	}
	if got := userinfo["preferred_username"]; got != login {
		t.Errorf("userinfo preferred_username is %v, expected the login %q", got, login)
	}
	if got, _ := userinfo["given_name"].(string); got == "" {
		t.Errorf("userinfo given_name is missing or empty: %v", userinfo)
	}
	if got, _ := userinfo["email"].(string); !strings.Contains(got, "@") {
		t.Errorf("userinfo email is %v, expected an email address", userinfo["email"])
	}
	if got := userinfo["email_verified"]; got != true {
		t.Errorf("userinfo email_verified is %v, expected true", got)
	}
	if roles := realmRoles(userinfo); !slices.Contains(roles, "argilla_role:owner") {
		t.Errorf("userinfo realm_access.roles is %v, expected argilla_role:owner for the login tag +owner", roles)
	}

	idClaims := decodeJWTPayload(t, tokens.IDToken)
	if got := idClaims["sub"]; got != subject {
		t.Errorf("ID token sub is %v, expected the userinfo sub %q", got, subject)
	}
	if got := idClaims["preferred_username"]; got != login {
		t.Errorf("ID token preferred_username is %v, expected %q (the provider puts profile claims into the ID token)", got, login)
	}
}

type providerDiscovery struct {
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
}

func fetchDiscovery(t *testing.T, issuer string) providerDiscovery {
	t.Helper()
	var discovery providerDiscovery
	getJSONFrom(t, issuer+"/.well-known/openid-configuration", "", &discovery)
	return discovery
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	IDToken     string `json:"id_token"`
	TokenType   string `json:"token_type"`
}

func exchangeCode(t *testing.T, endpoint string, s stack, code, redirectURI, verifier string) tokenResponse {
	t.Helper()
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
	}

	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("build token request: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))

	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s failed: %v", endpoint, err)
	}
	defer resp.Body.Close()

	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s returned status %d, expected 200; body %s", endpoint, resp.StatusCode, body)
	}
	var tokens tokenResponse
	if err := json.Unmarshal(body, &tokens); err != nil {
		t.Fatalf("decode token response: %v; body %s", err, body)
	}
	if tokens.AccessToken == "" || tokens.IDToken == "" {
		t.Fatalf("token response lacks access_token or id_token: %s", body)
	}
	return tokens
}

func fetchUserinfo(t *testing.T, endpoint, accessToken string) map[string]any {
	t.Helper()
	var claims map[string]any
	getJSONFrom(t, endpoint, "Bearer "+accessToken, &claims)
	return claims
}

// getJSONFrom sends GET with an optional Authorization header, fails the
// test unless the status is 200 and decodes the body into out.
func getJSONFrom(t *testing.T, target, authorization string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	if err != nil {
		t.Fatalf("build request GET %s: %v", target, err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET %s failed: %v", target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s returned status %d, expected 200; body %s", target, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s returned invalid JSON: %v; body %s", target, err, body)
	}
}

// serveCallback serves /oauth/keycloak/callback on 127.0.0.1:port and sends
// the query of each request to the returned channel.
func serveCallback(t *testing.T, port int) <-chan url.Values {
	t.Helper()
	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("listen on port %d of E2E_PROXY_PORTS: %v", port, err)
	}
	queries := make(chan url.Values, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/keycloak/callback", func(w http.ResponseWriter, r *http.Request) {
		select {
		case queries <- r.URL.Query():
		default:
		}
		_, _ = io.WriteString(w, "callback received")
	})
	server := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = server.Serve(listener) }()
	t.Cleanup(func() { _ = server.Close() })
	return queries
}

func realmRoles(claims map[string]any) []string {
	access, _ := claims["realm_access"].(map[string]any)
	list, _ := access["roles"].([]any)
	roles := make([]string, 0, len(list))
	for _, role := range list {
		if name, ok := role.(string); ok {
			roles = append(roles, name)
		}
	}
	return roles
}

// decodeJWTPayload returns the claims of a JWT without checking its
// signature.
func decodeJWTPayload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d dot-separated parts, expected 3 for a JWT", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode JWT payload: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("JWT payload is not a JSON object: %v", err)
	}
	return claims
}

func randomURLSafe(t *testing.T, size int) string {
	t.Helper()
	data := make([]byte, size)
	if _, err := rand.Read(data); err != nil {
		t.Fatalf("read random bytes: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(data)
}
