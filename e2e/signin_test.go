package e2e

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const (
	sessionCookieName = "authproxy_session"
	tokenStorageKey   = "auth._token.local"
)

// keycloakButton is the "Sign in with Keycloak" button of Argilla 2.8's
// sign-in page, which the UI shows for each provider that
// GET /api/v1/oauth2/providers lists.
var keycloakButton = chromedp.Search(`//button[contains(normalize-space(.), "Sign in with Keycloak")]`)

// TestSignInThroughProxy signs a new user in through authproxy in Chromium
// and checks the account that authproxy provisioned in Argilla, the session
// that binds the UI's token to the cookie, and a second sign-in.
func TestSignInThroughProxy(t *testing.T) {
	s := loadStack(t)
	proxy := startProxy(t, defaultProxyEnv(t, s))
	owner := newArgillaOwner(s)
	login := uniqueLogin(t, "alice")
	browser := newBrowser(t, s)

	first := signInThroughProxy(t, browser, proxy, s, login)

	users := owner.usersNamed(t, login)
	if len(users) != 1 {
		t.Fatalf("Argilla has %d users with username %q after the sign-in, expected 1", len(users), login)
	}
	user := users[0]
	if user.Role != "annotator" {
		t.Errorf("provisioned user %q has role %q, expected annotator", login, user.Role)
	}
	if user.FirstName != "Alice-"+strings.TrimPrefix(login, "alice-") {
		t.Errorf("provisioned user %q has first name %q, expected the given_name claim %q",
			login, user.FirstName, "Alice-"+strings.TrimPrefix(login, "alice-"))
	}
	workspaces := owner.userWorkspaceNames(t, user.ID)
	for _, name := range allowedWorkspaces {
		if !slices.Contains(workspaces, name) {
			t.Errorf("provisioned user %q is a member of %v, expected membership of the allowed workspace %q",
				login, workspaces, name)
		}
	}

	status, body := callMe(t, proxy.DirectURL, first.token, first.cookieHeader)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/me through authproxy with the UI's token and cookies returned status %d, expected 200; body %s",
			status, body)
	}
	me := decodeUser(t, body)
	if me.Username != login {
		t.Errorf("GET /api/v1/me through authproxy returned username %q, expected %q", me.Username, login)
	}
	if me.ID != user.ID {
		t.Errorf("GET /api/v1/me through authproxy returned user id %q, expected the provisioned user's id %q", me.ID, user.ID)
	}

	status, body = callMe(t, proxy.DirectURL, first.token, "")
	if status != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me through authproxy with the UI's token but without the session cookie returned status %d, expected 401; body %s",
			status, body)
	}

	doStep(t, browser, "reload the signed-in page", chromedp.Reload())
	doStep(t, browser, "wait for the signed-in UI after the reload", chromedp.WaitVisible(signedInSelector))
	if location := currentLocation(browser); strings.Contains(location, "/sign-in") {
		t.Errorf("after a reload the UI is at %s, expected it to stay signed in", location)
	}
	// The page's own fetch sends the browser's cookie with the stored token,
	// as the UI's API calls do.
	meStatus := runStep(t, browser, "call /api/v1/me from the page after the reload",
		chromedp.Evaluate[int](`fetch("/api/v1/me", {headers: {Authorization: localStorage.getItem("`+tokenStorageKey+`")}}).then((r) => r.status)`,
			chromedp.EvalAwaitPromise))
	if meStatus != http.StatusOK {
		t.Errorf("after a reload, GET /api/v1/me from the page with the stored token returned status %d, expected 200", meStatus)
	}

	if path, err := saveScreenshot(t, browser, "signin-through-proxy"); err != nil {
		t.Errorf("save the screenshot of the signed-in UI: %v", err)
	} else {
		t.Logf("screenshot of the signed-in UI: %s", path)
	}

	second := newBrowserContext(t, browser)
	again := signInThroughProxy(t, second, proxy, s, login)
	if again.token == first.token {
		t.Errorf("the second sign-in returned the same token as the first, expected a new session")
	}
	users = owner.usersNamed(t, login)
	if len(users) != 1 {
		t.Errorf("Argilla has %d users with username %q after a second sign-in, expected still 1", len(users), login)
	}
	status, body = callMe(t, proxy.DirectURL, again.token, again.cookieHeader)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/me through authproxy after the second sign-in returned status %d, expected 200; body %s", status, body)
	}
	if me := decodeUser(t, body); me.ID != user.ID {
		t.Errorf("after the second sign-in GET /api/v1/me returned user id %q, expected the first sign-in's user id %q", me.ID, user.ID)
	}
}

// TestSignInRealmRolesSetRoleAndWorkspaces signs in with Keycloak realm
// roles. As in Argilla 2.8, argilla_role:<role> sets the role and
// argilla_workspace:<name> replaces the allowed workspaces for that user.
func TestSignInRealmRolesSetRoleAndWorkspaces(t *testing.T) {
	s := loadStack(t)
	proxy := startProxy(t, defaultProxyEnv(t, s))
	owner := newArgillaOwner(s)
	// e2e/idp/server.mjs turns the login tags +admin and +ws=team-b into the
	// realm roles argilla_role:admin and argilla_workspace:team-b.
	login := uniqueLogin(t, "carol") + "+admin+ws=team-b"
	browser := newBrowser(t, s)

	signInThroughProxy(t, browser, proxy, s, login)

	users := owner.usersNamed(t, login)
	if len(users) != 1 {
		t.Fatalf("Argilla has %d users with username %q after the sign-in, expected 1", len(users), login)
	}
	if users[0].Role != "admin" {
		t.Errorf("user %q with realm role argilla_role:admin has Argilla role %q, expected admin", login, users[0].Role)
	}
	workspaces := owner.userWorkspaceNames(t, users[0].ID)
	if !slices.Equal(workspaces, []string{"team-b"}) {
		t.Errorf("user %q with realm role argilla_workspace:team-b is a member of %v, expected only [team-b]", login, workspaces)
	}
}

// browserSession is the credentials of a signed-in UI: the Authorization
// header value from local storage and the Cookie header for the proxy's
// origin.
type browserSession struct {
	token        string
	cookieHeader string
}

// signInThroughProxy opens Argilla's UI through the proxy in the tab, signs
// in at the identity provider and waits until the UI is signed in.
func signInThroughProxy(t *testing.T, tab context.Context, proxy *proxyProcess, s stack, login string) browserSession {
	t.Helper()
	return signInThroughUI(t, tab, proxy.Origin, keycloakButton, func() {
		signInAtProvider(t, tab, s.Issuer, login)
	})
}

// signInThroughUI opens Argilla's UI at origin, the proxy's address, clicks
// the provider's sign-in button, runs atProvider for the steps at the
// provider (nil when there are none) and waits until the UI is signed in.
func signInThroughUI(t *testing.T, tab context.Context, origin string, button chromedp.Search, atProvider func()) browserSession {
	t.Helper()
	response := runStep(t, tab, "open "+origin+"/", chromedp.NavigateResponse(origin+"/"))
	if response.Status != http.StatusOK {
		t.Fatalf("Chromium got status %d for %s/, expected 200 from Argilla's UI through authproxy", response.Status, origin)
	}
	doStep(t, tab, "click the sign-in button "+string(button),
		chromedp.WaitVisible(button),
		chromedp.Click(button),
	)
	if atProvider != nil {
		atProvider()
	}

	var token string
	waitUntil(t, tab, "the UI is back at "+origin+" with a token in local storage", func() (bool, string) {
		location := currentLocation(tab)
		if !strings.HasPrefix(location, origin+"/") {
			return false, "browser at " + location
		}
		value, err := localStorageItem(tab, tokenStorageKey)
		if err != nil {
			return false, "browser at " + location + ", local storage not readable: " + err.Error()
		}
		token = value
		// @nuxtjs/auth-next stores "false" while the UI has no token.
		return strings.HasPrefix(token, "Bearer "), "browser at " + location + ", " + tokenStorageKey + " = " + strconv.Quote(token)
	})
	doStep(t, tab, "wait for the signed-in UI", chromedp.WaitVisible(signedInSelector))
	if location := currentLocation(tab); strings.Contains(location, "/sign-in") || strings.Contains(location, "/oauth/") {
		t.Errorf("after the sign-in the UI is at %s, expected a page of the signed-in UI", location)
	}

	if !strings.HasPrefix(token, "Bearer ") {
		t.Fatalf("%s is %q, expected \"Bearer <token>\"", tokenStorageKey, token)
	}
	if parts := strings.Split(strings.TrimPrefix(token, "Bearer "), "."); len(parts) != 3 {
		t.Errorf("the UI's token has %d dot-separated parts, expected a JWT-shaped token with 3", len(parts))
	}

	cookies := runStep(t, tab, "read the cookies of "+origin, func(ctx context.Context, target *chromedp.Target) ([]*network.Cookie, error) {
		result, err := cdp.Call(ctx, target, network.GetCookies, network.GetCookiesParams{URLs: []string{origin + "/"}})
		return result.Cookies, err
	})
	var pairs []string
	var session *network.Cookie
	for _, cookie := range cookies {
		pairs = append(pairs, cookie.Name+"="+cookie.Value)
		if cookie.Name == sessionCookieName {
			session = cookie
		}
	}
	if session == nil {
		t.Fatalf("the browser has no %s cookie for %s after the sign-in", sessionCookieName, origin)
	}
	if !session.HTTPOnly {
		t.Errorf("cookie %s is not HttpOnly, expected the session cookie to be hidden from scripts", sessionCookieName)
	}
	return browserSession{token: token, cookieHeader: strings.Join(pairs, "; ")}
}
