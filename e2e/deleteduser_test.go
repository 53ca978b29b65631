package e2e

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

const (
	// signOutWatchPeriod is how long the test watches the UI after it
	// reached the sign-in page, to catch a redirect loop.
	signOutWatchPeriod = 5 * time.Second
	// maxMeRequestsAfterSignOut and maxNavigationsAfterSignOut are the
	// maximum numbers of requests to /api/v1/me and of navigations that the
	// signed-out sign-in page may make in signOutWatchPeriod. A redirect
	// loop would repeat them without end.
	maxMeRequestsAfterSignOut  = 2
	maxNavigationsAfterSignOut = 2
	// maxMeRequestsToSignOut bounds the requests to /api/v1/me from the
	// reload to the end of signOutWatchPeriod.
	maxMeRequestsToSignOut = 5
)

// TestDeletedUserEndsSession deletes a signed-in user in Argilla. The next
// request of the session must get 401 and clear the session cookie, and
// Argilla's UI must then sign out to its sign-in page without a redirect
// loop. A new sign-in of the same identity creates the account again.
func TestDeletedUserEndsSession(t *testing.T) {
	s := loadStack(t)
	proxy := startProxy(t, defaultProxyEnv(t, s))
	owner := newArgillaOwner(s)
	login := uniqueLogin(t, "dora")
	tab := newBrowser(t, s)

	first := signInThroughProxy(t, tab, proxy, s, login)
	users := owner.usersNamed(t, login)
	if len(users) != 1 {
		t.Fatalf("Argilla has %d users with username %q after the sign-in, expected 1", len(users), login)
	}
	deleted := users[0]
	owner.deleteUser(t, deleted.ID)
	if users := owner.usersNamed(t, login); len(users) != 0 {
		t.Fatalf("Argilla still has %d users with username %q after DELETE /api/v1/users/%s, expected 0", len(users), login, deleted.ID)
	}

	// An API call with the session of the deleted user.
	resp, body := sendMe(t, proxy.DirectURL, first.token, first.cookieHeader)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me through authproxy with the session of a deleted user returned status %d, expected 401; body %s",
			resp.StatusCode, body)
	}
	checkSessionCookieCleared(t, resp)

	// The UI of the deleted user, reloaded.
	activity := recordPageActivity(t, tab, proxy.Origin)
	reloaded := time.Now()
	doStep(t, tab, "reload the UI after the user was deleted", chromedp.Reload())
	waitUntil(t, tab, "the UI is at "+proxy.Origin+"/sign-in", func() (bool, string) {
		location := currentLocation(tab)
		return strings.HasPrefix(location, proxy.Origin+"/sign-in"), "browser at " + location
	})
	doStep(t, tab, "wait for the sign-in button", chromedp.WaitVisible(keycloakButton))
	landed := time.Now()
	time.Sleep(signOutWatchPeriod)

	if location := currentLocation(tab); !strings.HasPrefix(location, proxy.Origin+"/sign-in") {
		t.Errorf("%s after the UI reached the sign-in page, the browser is at %s, expected it to stay at %s/sign-in",
			signOutWatchPeriod, location, proxy.Origin)
	}
	statuses := activity.meStatusesSince(reloaded)
	t.Logf("after the reload the UI navigated to %v and requested /api/v1/me %d times (statuses %v), %d of them in the %s after it reached the sign-in page",
		activity.navigationsSince(reloaded), len(activity.meRequestsSince(reloaded)), statuses,
		len(activity.meRequestsSince(landed)), signOutWatchPeriod)
	if !slices.Contains(statuses, http.StatusUnauthorized) {
		t.Errorf("after the reload the UI's requests to /api/v1/me returned the statuses %v, expected a 401 for the deleted user", statuses)
	}
	if n := len(activity.meRequestsSince(reloaded)); n > maxMeRequestsToSignOut {
		t.Errorf("from the reload to %s after the sign-in page the UI requested /api/v1/me %d times, expected at most %d",
			signOutWatchPeriod, n, maxMeRequestsToSignOut)
	}
	if n := len(activity.meRequestsSince(landed)); n > maxMeRequestsAfterSignOut {
		t.Errorf("in the %s after the UI reached the sign-in page it requested /api/v1/me %d times, expected at most %d (a redirect loop?)",
			signOutWatchPeriod, n, maxMeRequestsAfterSignOut)
	}
	if navigations := activity.navigationsSince(landed); len(navigations) > maxNavigationsAfterSignOut {
		t.Errorf("in the %s after the UI reached the sign-in page it navigated %d times (%v), expected at most %d (a redirect loop?)",
			signOutWatchPeriod, len(navigations), navigations, maxNavigationsAfterSignOut)
	}
	if token, err := localStorageItem(tab, tokenStorageKey); err != nil {
		t.Errorf("read %s from local storage: %v", tokenStorageKey, err)
	} else if strings.HasPrefix(token, "Bearer ") {
		t.Errorf("%s is still %q on the sign-in page, expected the UI to have removed the token", tokenStorageKey, token)
	}
	for _, cookie := range browserCookies(t, tab, proxy.Origin) {
		if cookie.Name == sessionCookieName {
			t.Errorf("the browser still has the %s cookie for %s after the 401, expected the proxy to have cleared it",
				sessionCookieName, proxy.Origin)
		}
	}

	// A new sign-in of the same identity in the same browser. The identity
	// provider still has the browser's session and consent from the first
	// sign-in, so it redirects back to the proxy without showing a page.
	again := signInThroughUI(t, tab, proxy.Origin, keycloakButton, nil)
	users = owner.usersNamed(t, login)
	if len(users) != 1 {
		t.Fatalf("Argilla has %d users with username %q after the sign-in that followed the deletion, expected 1", len(users), login)
	}
	recreated := users[0]
	if recreated.ID != deleted.ID {
		t.Errorf("the account created again has id %q, expected the deleted account's id %q, which is the identity's binding id",
			recreated.ID, deleted.ID)
	}
	checkAllowedWorkspaces(t, owner, recreated)
	status, body := callMe(t, proxy.DirectURL, again.token, again.cookieHeader)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/me through authproxy after the new sign-in returned status %d, expected 200; body %s", status, body)
	}
	if me := decodeUser(t, body); me.ID != recreated.ID {
		t.Errorf("GET /api/v1/me through authproxy after the new sign-in returned user id %q, expected %q", me.ID, recreated.ID)
	}

	// The account created again has a new API key, so the first session
	// stays invalid.
	resp, body = sendMe(t, proxy.DirectURL, first.token, first.cookieHeader)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/me with the session from before the deletion returned status %d after the account was created again, expected 401; body %s",
			resp.StatusCode, body)
	}
}

// sendMe sends GET /api/v1/me to baseURL with the Authorization and Cookie
// headers (each omitted when empty) and returns the response, with its body
// read and closed, and the body.
func sendMe(t *testing.T, baseURL, authorization, cookie string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+"/api/v1/me", nil)
	if err != nil {
		t.Fatalf("build request GET /api/v1/me: %v", err)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	client := &http.Client{
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s/api/v1/me failed: %v", baseURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, body
}

// checkSessionCookieCleared checks that resp sets the session cookie to an
// empty value that expires at once, on the path the session cookie has.
func checkSessionCookieCleared(t *testing.T, resp *http.Response) {
	t.Helper()
	var cleared *http.Cookie
	for _, cookie := range resp.Cookies() {
		if cookie.Name == sessionCookieName {
			cleared = cookie
		}
	}
	if cleared == nil {
		t.Errorf("the response sets no %s cookie, expected one that clears the session; Set-Cookie headers: %q",
			sessionCookieName, resp.Header.Values("Set-Cookie"))
		return
	}
	if cleared.MaxAge >= 0 {
		t.Errorf("Set-Cookie %s has Max-Age %d, expected Max-Age=0 so that the browser deletes the cookie; header %q",
			sessionCookieName, cleared.MaxAge, cleared.Raw)
	}
	if cleared.Value != "" {
		t.Errorf("Set-Cookie %s has a value, expected an empty one; header %q", sessionCookieName, cleared.Raw)
	}
	if cleared.Path != "/" {
		t.Errorf("Set-Cookie %s has path %q, expected / (the session cookie's path)", sessionCookieName, cleared.Path)
	}
}

// browserCookies returns the cookies that the browser of tab sends to origin,
// HttpOnly cookies included.
func browserCookies(t *testing.T, tab context.Context, origin string) []*network.Cookie {
	t.Helper()
	return runStep(t, tab, "read the cookies of "+origin, func(ctx context.Context, target *chromedp.Target) ([]*network.Cookie, error) {
		result, err := cdp.Call(ctx, target, network.GetCookies, network.GetCookiesParams{URLs: []string{origin + "/"}})
		return result.Cookies, err
	})
}

// timedURL is a URL that a tab navigated to or requested, and when.
type timedURL struct {
	at  time.Time
	url string
}

// pageActivity records, from the events of a tab, its navigations and its
// requests to /api/v1/me at one origin.
type pageActivity struct {
	origin string

	mu          sync.Mutex
	navigations []timedURL
	meRequests  []timedURL
	meResponses []timedStatus
}

type timedStatus struct {
	at     time.Time
	status int
}

// recordPageActivity records the activity of tab from now until the test
// ends.
func recordPageActivity(t *testing.T, tab context.Context, origin string) *pageActivity {
	t.Helper()
	activity := &pageActivity{origin: origin}
	ctx, cancel := context.WithCancel(tab)
	t.Cleanup(cancel)
	if err := chromedp.Listen(ctx, activity.record); err != nil {
		t.Fatalf("listen to the events of the tab: %v", err)
	}
	return activity
}

// record runs on the goroutine that reads the tab's messages, so it only
// appends under the lock.
func (a *pageActivity) record(event any) {
	now := time.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	switch event := event.(type) {
	case *page.EventFrameNavigated:
		if event.Frame != nil && event.Frame.ParentID == "" {
			a.navigations = append(a.navigations, timedURL{at: now, url: event.Frame.URL})
		}
	case *page.EventNavigatedWithinDocument:
		// NOTE: this counts navigations within the document of any frame;
		// Argilla 2.8's UI has no frames.
		a.navigations = append(a.navigations, timedURL{at: now, url: event.URL})
	case *network.EventRequestWillBeSent:
		if event.Request != nil && a.isMe(event.Request.URL) {
			a.meRequests = append(a.meRequests, timedURL{at: now, url: event.Request.URL})
		}
	case *network.EventResponseReceived:
		if event.Response != nil && a.isMe(event.Response.URL) {
			a.meResponses = append(a.meResponses, timedStatus{at: now, status: int(event.Response.Status)})
		}
	}
}

func (a *pageActivity) isMe(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme+"://"+u.Host == a.origin && u.Path == "/api/v1/me"
}

// navigationsSince returns the URLs of the navigations at or after since.
func (a *pageActivity) navigationsSince(since time.Time) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var urls []string
	for _, navigation := range a.navigations {
		if !navigation.at.Before(since) {
			urls = append(urls, navigation.url)
		}
	}
	return urls
}

// meRequestsSince returns the requests to /api/v1/me at or after since.
func (a *pageActivity) meRequestsSince(since time.Time) []timedURL {
	a.mu.Lock()
	defer a.mu.Unlock()
	var requests []timedURL
	for _, request := range a.meRequests {
		if !request.at.Before(since) {
			requests = append(requests, request)
		}
	}
	return requests
}

// meStatusesSince returns the statuses of the responses from /api/v1/me
// received at or after since.
func (a *pageActivity) meStatusesSince(since time.Time) []int {
	a.mu.Lock()
	defer a.mu.Unlock()
	var statuses []int
	for _, response := range a.meResponses {
		if !response.at.Before(since) {
			statuses = append(statuses, response.status)
		}
	}
	return statuses
}
