package e2e

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/argilla-authproxy/authproxy/internal/providers/fakes"
)

// appleButton is the sign-in button that Argilla 2.8's UI shows for the
// provider apple-id: the name with its first letter upper-cased.
var appleButton = chromedp.Search(`//button[contains(normalize-space(.), "Sign in with Apple-id")]`)

// appleOAuthFile is an Argilla OAuth file with Sign in with Apple, whose
// key comes from SOCIAL_AUTH_APPLE_ID_* variables.
// It lists keycloak too, so that the sign-in page must show two buttons.
const appleOAuthFile = `providers:
  - name: apple-id
    client_id: "com.example.argilla"
  - name: keycloak
extra_backends:
  - social_core.backends.apple.AppleIdAuth
allowed_workspaces:
  - name: argilla
  - name: team-b
allow_http_redirect: true
`

const (
	appleTeamID   = "TEAM123456"
	appleKeyID    = "KEY1234567"
	appleClientID = "com.example.argilla"
	appleCallback = "/oauth/apple-id/callback"
)

// TestAppleFormPostSignIn signs in with apple-id through Argilla's UI in
// Chromium, against the Apple fake and the real Argilla. The fake responds
// to the authorization request as Apple does with response_mode=form_post,
// with a page whose form posts code, state and, on the first authorization
// only, the "user" JSON to the callback. authproxy turns that POST into a 303 to
// the GET callback page of the UI, which calls the access-token endpoint.
// The first sign-in creates the user with Apple's first name, and a second
// sign-in without "user" keeps it.
func TestAppleFormPostSignIn(t *testing.T) {
	s := loadStack(t)
	owner := newArgillaOwner(s)
	key, p8 := newAppleKey(t)
	apple := fakes.NewApple(t, appleTeamID, appleKeyID, appleClientID, &key.PublicKey)
	subject := uniqueAppleSubject(t)
	apple.SignInApple(subject, "relay-"+subject+"@privaterelay.appleid.com", "Tim", "Cook")

	proxy := startInProcessProxy(t, s, appleOAuthFile, map[string]string{
		"SOCIAL_AUTH_APPLE_ID_TEAM":          appleTeamID,
		"SOCIAL_AUTH_APPLE_ID_KEY":           appleKeyID,
		"SOCIAL_AUTH_APPLE_ID_SECRET":        p8,
		"SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT": s.Issuer,
		"OAUTH2_KEYCLOAK_CLIENT_ID":          s.ClientID,
		"OAUTH2_KEYCLOAK_CLIENT_SECRET":      s.ClientSecret,
	}, map[string]string{"https://appleid.apple.com": apple.URL})
	browser := newBrowser(t, s)

	// Each configured provider gets its own button on Argilla's sign-in page.
	doStep(t, browser, "open the sign-in page with two providers",
		chromedp.Navigate(proxy.Origin+"/sign-in"),
		chromedp.WaitVisible(appleButton),
		chromedp.WaitVisible(keycloakButton),
	)

	first := signInThroughUI(t, browser, proxy.Origin, appleButton, nil)

	posts := proxy.recorder.matching(http.MethodPost, appleCallback)
	if len(posts) != 1 {
		t.Fatalf("authproxy received %d POST %s during the first sign-in, expected 1 form post from the Apple fake", len(posts), appleCallback)
	}
	redirect := checkFormPostRedirect(t, posts[0])
	for _, name := range []string{"code", "state", "user"} {
		if redirect.Get(name) == "" {
			t.Errorf("the 303 after the first form post has no %q in its query %q, expected every posted field", name, posts[0].Location)
		}
	}
	checkCallbackPageLoaded(t, proxy, 1)

	users := owner.usersNamed(t, subject)
	if len(users) != 1 {
		t.Fatalf("Argilla has %d users with username %q after the first Apple sign-in, expected 1", len(users), subject)
	}
	user := users[0]
	if user.FirstName != "Tim" {
		t.Errorf("Apple user %q has first name %q, expected Tim from Apple's user parameter", subject, user.FirstName)
	}
	if user.Role != "annotator" {
		t.Errorf("Apple user %q has role %q, expected annotator", subject, user.Role)
	}
	workspaces := owner.userWorkspaceNames(t, user.ID)
	slices.Sort(workspaces)
	if expected := slices.Sorted(slices.Values(allowedWorkspaces)); !slices.Equal(workspaces, expected) {
		t.Errorf("Apple user %q is a member of %v, expected exactly the allowed workspaces %v", subject, workspaces, expected)
	}
	status, body := callMe(t, proxy.DirectURL, first.token, first.cookieHeader)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/me through authproxy after the first Apple sign-in returned status %d, expected 200; body %s", status, body)
	}
	if me := decodeUser(t, body); me.ID != user.ID {
		t.Errorf("GET /api/v1/me after the first Apple sign-in returned user id %q, expected %q", me.ID, user.ID)
	}

	second := signInThroughUI(t, newBrowserContext(t, browser), proxy.Origin, appleButton, nil)

	posts = proxy.recorder.matching(http.MethodPost, appleCallback)
	if len(posts) != 2 {
		t.Fatalf("authproxy received %d POST %s after the second sign-in, expected 2", len(posts), appleCallback)
	}
	redirect = checkFormPostRedirect(t, posts[1])
	if redirect.Has("user") {
		t.Errorf("the 303 after the second form post carries \"user\" in %q, expected Apple to send it on the first authorization only", posts[1].Location)
	}
	checkCallbackPageLoaded(t, proxy, 2)

	users = owner.usersNamed(t, subject)
	if len(users) != 1 {
		t.Fatalf("Argilla has %d users with username %q after the second Apple sign-in, expected still 1", len(users), subject)
	}
	if users[0].FirstName != "Tim" {
		t.Errorf("after a second sign-in without Apple's user parameter, user %q has first name %q, expected Tim kept from the first", subject, users[0].FirstName)
	}
	status, body = callMe(t, proxy.DirectURL, second.token, second.cookieHeader)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/me through authproxy after the second Apple sign-in returned status %d, expected 200; body %s", status, body)
	}
	if me := decodeUser(t, body); me.ID != user.ID {
		t.Errorf("GET /api/v1/me after the second Apple sign-in returned user id %q, expected the first sign-in's %q", me.ID, user.ID)
	}
}

// checkFormPostRedirect checks that authproxy responded to the form post
// with a 303 to the GET callback page and returns the query of that
// redirect.
func checkFormPostRedirect(t *testing.T, post recordedRequest) url.Values {
	t.Helper()
	if post.Status != http.StatusSeeOther {
		t.Errorf("POST %s returned status %d, expected 303 to the GET callback page", appleCallback, post.Status)
	}
	location, err := url.Parse(post.Location)
	if err != nil {
		t.Fatalf("POST %s redirected to the invalid Location %q: %v", appleCallback, post.Location, err)
	}
	if location.Path != appleCallback {
		t.Errorf("POST %s redirected to %q, expected the path %s", appleCallback, post.Location, appleCallback)
	}
	return location.Query()
}

// checkCallbackPageLoaded checks that the browser loaded the UI's callback
// page and that the page's access-token requests succeeded, count times in
// all.
func checkCallbackPageLoaded(t *testing.T, proxy *inProcessProxy, count int) {
	t.Helper()
	pages := proxy.recorder.matching(http.MethodGet, appleCallback)
	if len(pages) != count {
		t.Errorf("the browser loaded GET %s %d times, expected %d", appleCallback, len(pages), count)
	}
	tokens := proxy.recorder.matching(http.MethodGet, "/api/v1/oauth2/providers/apple-id/access-token")
	if len(tokens) != count {
		t.Fatalf("the UI called the access-token endpoint %d times, expected %d", len(tokens), count)
	}
	if last := tokens[len(tokens)-1]; last.Status != http.StatusOK {
		t.Errorf("the access-token request returned status %d, expected 200", last.Status)
	}
}

// newAppleKey returns a new P-256 key and its .p8 file content, as Apple
// issues a Sign in with Apple key.
func newAppleKey(t *testing.T) (*ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generate a P-256 key: %v", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("encode the P-256 key as PKCS #8: %v", err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// uniqueAppleSubject returns a subject in the shape of Apple's, such as
// 001234.5c1f0e2a9b7d4c3e8f6a.0987, that no earlier test run used.
func uniqueAppleSubject(t *testing.T) string {
	t.Helper()
	middle := make([]byte, 10)
	if _, err := rand.Read(middle); err != nil {
		t.Fatalf("read random bytes: %v", err)
	}
	return fmt.Sprintf("001234.%x.0987", middle)
}
