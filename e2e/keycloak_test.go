package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// keycloakUser is a user of e2e/keycloak/realm.json.
type keycloakUser struct {
	username, password, firstName string
}

var (
	// keycloakAdmin has the realm roles argilla_role:annotator,
	// argilla_role:admin and argilla_workspace:kc-team.
	keycloakAdmin = keycloakUser{username: "grace", password: "grace-password", firstName: "Grace"}
	// keycloakPlain has no realm roles.
	keycloakPlain = keycloakUser{username: "linus", password: "linus-password", firstName: "Linus"}
)

// Selectors of the login page of Keycloak 26's keycloak.v2 theme.
var (
	keycloakUsernameInput = chromedp.CSS(`#username`)
	keycloakPasswordInput = chromedp.CSS(`#password`)
	keycloakLoginButton   = chromedp.CSS(`#kc-login`)
)

// TestKeycloakSignInRealmRoles signs in through Argilla's UI and authproxy
// at a real Keycloak. As in Argilla 2.8, the realm role argilla_role:<role>
// sets the Argilla role (the highest wins) and argilla_workspace:<name>
// replaces the allowed workspaces. A user without such roles becomes an
// annotator in the allowed workspaces.
func TestKeycloakSignInRealmRoles(t *testing.T) {
	s := loadStack(t)
	realm := loadKeycloak(t)
	proxy := startProxy(t, keycloakProxyEnv(t, s, realm.Issuer, realm.ClientID, realm.ClientSecret))
	owner := newArgillaOwner(s)
	browser := newBrowser(t, s)

	tests := []struct {
		name       string
		user       keycloakUser
		role       string
		workspaces []string
	}{
		{"admin and workspace roles", keycloakAdmin, "admin", []string{"kc-team"}},
		{"no realm roles", keycloakPlain, "annotator", allowedWorkspaces},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := newBrowserContext(t, browser)
			session := signInThroughUI(t, tab, proxy.Origin, keycloakButton, func() {
				signInAtKeycloak(t, tab, realm.Issuer, tt.user)
			})

			users := owner.usersNamed(t, tt.user.username)
			if len(users) != 1 {
				t.Fatalf("Argilla has %d users with username %q after the sign-in at Keycloak, expected 1", len(users), tt.user.username)
			}
			user := users[0]
			if user.Role != tt.role {
				t.Errorf("Keycloak user %q has Argilla role %q, expected %s", tt.user.username, user.Role, tt.role)
			}
			if user.FirstName != tt.user.firstName {
				t.Errorf("Keycloak user %q has first name %q, expected the given_name claim %q", tt.user.username, user.FirstName, tt.user.firstName)
			}
			workspaces := owner.userWorkspaceNames(t, user.ID)
			slices.Sort(workspaces)
			expected := slices.Sorted(slices.Values(tt.workspaces))
			if !slices.Equal(workspaces, expected) {
				t.Errorf("Keycloak user %q is a member of %v, expected exactly %v", tt.user.username, workspaces, expected)
			}

			status, body := callMe(t, proxy.DirectURL, session.token, session.cookieHeader)
			if status != http.StatusOK {
				t.Fatalf("GET /api/v1/me through authproxy after the sign-in at Keycloak returned status %d, expected 200; body %s", status, body)
			}
			if me := decodeUser(t, body); me.ID != user.ID {
				t.Errorf("GET /api/v1/me through authproxy returned user id %q, expected %q of Keycloak user %q", me.ID, user.ID, tt.user.username)
			}
		})
	}
}

// signInAtKeycloak expects the tab to be on its way to Keycloak's login
// page. It checks that the page belongs to the realm at issuer and signs
// in with the user's password.
func signInAtKeycloak(t *testing.T, tab context.Context, issuer string, user keycloakUser) {
	t.Helper()
	doStep(t, tab, "wait for Keycloak's login form", chromedp.WaitVisible(keycloakUsernameInput))
	if location := currentLocation(tab); !strings.HasPrefix(location, issuer+"/protocol/openid-connect/auth?") {
		t.Fatalf("Keycloak's login form is at %s, expected the authorization endpoint %s/protocol/openid-connect/auth", location, issuer)
	}
	doStep(t, tab, "sign in at Keycloak as "+user.username,
		chromedp.SendKeys(keycloakUsernameInput, user.username),
		chromedp.SendKeys(keycloakPasswordInput, user.password),
		chromedp.Click(keycloakLoginButton),
	)
}

// TestStackKeycloakRealm checks the discovery document of the realm that
// scripts/test created, that the client accepts the callbacks of the proxy
// port pool and no other port, and that it requires PKCE. A failure of the
// Keycloak sign-in then points at authproxy and not at the harness.
func TestStackKeycloakRealm(t *testing.T) {
	realm := loadKeycloak(t)
	pool := proxyPortPool(t)

	var discovery struct {
		Issuer                        string   `json:"issuer"`
		AuthorizationEndpoint         string   `json:"authorization_endpoint"`
		CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
	}
	getJSONFrom(t, realm.Issuer+"/.well-known/openid-configuration", "", &discovery)
	if discovery.Issuer != realm.Issuer {
		t.Errorf("Keycloak's discovery issuer is %q, expected E2E_KEYCLOAK_ISSUER %q", discovery.Issuer, realm.Issuer)
	}
	if !slices.Contains(discovery.CodeChallengeMethodsSupported, "S256") {
		t.Errorf("Keycloak's code_challenge_methods_supported is %v, expected it to contain S256", discovery.CodeChallengeMethodsSupported)
	}

	authorize := func(redirectURI string, pkce bool) *http.Response {
		query := url.Values{
			"client_id":     {realm.ClientID},
			"response_type": {"code"},
			"scope":         {"openid"},
			"redirect_uri":  {redirectURI},
		}
		if pkce {
			query.Set("code_challenge", randomURLSafe(t, 32))
			query.Set("code_challenge_method", "S256")
		}
		return getWithoutRedirect(t, discovery.AuthorizationEndpoint+"?"+query.Encode())
	}
	callback := func(origin string, port int) string {
		return origin + ":" + strconv.Itoa(port) + "/oauth/keycloak/callback"
	}

	for _, origin := range []string{"http://localhost", "http://127.0.0.1"} {
		resp := authorize(callback(origin, pool[0]), true)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("authorization request with the pool's redirect URI %s returned status %d, expected 200 and the login page",
				callback(origin, pool[0]), resp.StatusCode)
		}
	}

	outside := pool[0] + 1
	for slices.Contains(pool, outside) {
		outside++
	}
	if resp := authorize(callback("http://localhost", outside), true); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("authorization request with %s, a port outside E2E_PROXY_PORTS, returned status %d, expected 400 for an unregistered redirect URI",
			callback("http://localhost", outside), resp.StatusCode)
	}

	resp := authorize(callback("http://localhost", pool[0]), false)
	location, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || location == nil || location.Query().Get("error") != "invalid_request" {
		t.Errorf("authorization request without PKCE returned status %d and Location %q, expected 302 with error=invalid_request because the client requires S256",
			resp.StatusCode, resp.Header.Get("Location"))
	}
}

// proxyPortPool returns the ports of E2E_PROXY_PORTS.
func proxyPortPool(t *testing.T) []int {
	t.Helper()
	raw := requireEnv(t, "E2E_PROXY_PORTS")
	var ports []int
	for _, field := range strings.Split(raw, ",") {
		port, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			t.Fatalf("E2E_PROXY_PORTS=%q contains the invalid port %q", raw, field)
		}
		ports = append(ports, port)
	}
	if len(ports) == 0 {
		t.Fatalf("E2E_PROXY_PORTS=%q contains no port", raw)
	}
	return ports
}

// getWithoutRedirect sends GET target and returns the response without
// following a redirect. The body is read and closed.
func getWithoutRedirect(t *testing.T, target string) *http.Response {
	t.Helper()
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := client.Get(target)
	if err != nil {
		t.Fatalf("GET %s failed: %v", target, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp
}
