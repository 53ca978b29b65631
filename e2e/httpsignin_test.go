package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

const (
	// maxRedirects bounds the redirects that one step of signInWithHTTP
	// follows, so that a redirect loop fails the sign-in.
	maxRedirects = 10
	// httpRequestTimeout bounds one request of signInWithHTTP. The
	// access-token request includes provisioning, which the proxy bounds
	// at 60 s (argilla.DefaultProvisionTimeout).
	httpRequestTimeout = 90 * time.Second
	// maxPageBytes bounds the body that signInWithHTTP reads from a response.
	maxPageBytes = 1 << 20
)

// httpSignIn is a finished sign-in of signInWithHTTP.
type httpSignIn struct {
	login    string
	proxyURL string
	// token is the Authorization header value "Bearer <access_token>".
	token string
	// cookieHeader is the Cookie header value with the session cookie.
	cookieHeader string
	duration     time.Duration
}

// signInWithHTTP signs login in through the proxy at proxyURL as a browser
// does with Argilla's UI, but with a Go HTTP client and a cookie jar of its
// own. It starts the login at the proxy and submits the login and consent
// forms of e2e/idp/server.mjs at issuer. It stops at the redirect to the
// proxy's callback page and sends the callback's query to the access-token
// endpoint, as that page does. It returns the token and the session cookie,
// or an error in place of failing a test, so it can run on any goroutine.
func signInWithHTTP(ctx context.Context, transport http.RoundTripper, proxyURL, issuer, login string) (httpSignIn, error) {
	started := time.Now()
	result := httpSignIn{login: login, proxyURL: proxyURL}
	jar, err := cookiejar.New(nil)
	if err != nil {
		return result, fmt.Errorf("create cookie jar: %w", err)
	}
	client := &http.Client{
		Transport: transport,
		Jar:       jar,
		Timeout:   httpRequestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	callbackPrefix := proxyURL + "/oauth/keycloak/callback?"

	authentication := proxyURL + "/api/v1/oauth2/providers/keycloak/authentication"
	resp, body, err := send(ctx, client, http.MethodGet, authentication, nil)
	if err != nil {
		return result, err
	}
	if resp.StatusCode != http.StatusSeeOther {
		return result, fmt.Errorf("GET %s returned status %d, expected 303 to the identity provider; body %s",
			authentication, resp.StatusCode, body)
	}
	authorize, err := resp.Location()
	if err != nil {
		return result, fmt.Errorf("GET %s returned 303 without a valid Location: %w", authentication, err)
	}
	if !strings.HasPrefix(authorize.String(), issuer+"/") {
		return result, fmt.Errorf("GET %s redirected to %s, expected the identity provider %s", authentication, authorize, issuer)
	}

	loginPage, err := walk(ctx, client, http.MethodGet, authorize.String(), nil, callbackPrefix)
	if err != nil {
		return result, fmt.Errorf("open the login page: %w", err)
	}
	if loginPage.callback != nil {
		return result, fmt.Errorf("the identity provider redirected to the callback %s before the login", loginPage.callback)
	}
	loginAction, err := formTarget(loginPage, "login-form", issuer)
	if err != nil {
		return result, err
	}
	loginForm := url.Values{"login": {login}, "password": {"any-password"}}
	consentPage, err := walk(ctx, client, http.MethodPost, loginAction, loginForm, callbackPrefix)
	if err != nil {
		return result, fmt.Errorf("submit the login form: %w", err)
	}
	if consentPage.callback != nil {
		return result, fmt.Errorf("the identity provider redirected to the callback %s without asking for consent", consentPage.callback)
	}
	consentAction, err := formTarget(consentPage, "consent-form", issuer)
	if err != nil {
		return result, err
	}
	done, err := walk(ctx, client, http.MethodPost, consentAction, url.Values{}, callbackPrefix)
	if err != nil {
		return result, fmt.Errorf("submit the consent form: %w", err)
	}
	if done.callback == nil {
		return result, fmt.Errorf("after the consent the identity provider showed %s, expected a redirect to %s; body %s",
			done.pageURL, callbackPrefix, truncateBody(done.page))
	}

	query := done.callback.Query()
	if query.Get("code") == "" {
		return result, fmt.Errorf("the callback %s has no code", done.callback)
	}
	if state := authorize.Query().Get("state"); query.Get("state") != state {
		return result, fmt.Errorf("the callback has state %q, expected the state %q of the authorization request",
			query.Get("state"), state)
	}

	accessToken := proxyURL + "/api/v1/oauth2/providers/keycloak/access-token?" + done.callback.RawQuery
	resp, body, err = send(ctx, client, http.MethodGet, accessToken, nil)
	if err != nil {
		return result, err
	}
	if resp.StatusCode != http.StatusOK {
		return result, fmt.Errorf("GET the access token at %s returned status %d, expected 200; body %s",
			proxyURL, resp.StatusCode, body)
	}
	var tokenBody struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &tokenBody); err != nil {
		return result, fmt.Errorf("GET the access token at %s returned invalid JSON: %v; body %s", proxyURL, err, body)
	}
	if tokenBody.AccessToken == "" || !strings.EqualFold(tokenBody.TokenType, "bearer") {
		return result, fmt.Errorf("GET the access token at %s returned %s, expected an access_token of token_type bearer",
			proxyURL, body)
	}

	proxy, err := url.Parse(proxyURL + "/")
	if err != nil {
		return result, err
	}
	for _, cookie := range jar.Cookies(proxy) {
		if cookie.Name == sessionCookieName {
			result.cookieHeader = cookie.Name + "=" + cookie.Value
		}
	}
	if result.cookieHeader == "" {
		return result, fmt.Errorf("the access-token response of %s set no %s cookie", proxyURL, sessionCookieName)
	}
	result.token = "Bearer " + tokenBody.AccessToken
	result.duration = time.Since(started)
	return result, nil
}

// walkResult is where walk stopped: at a page or at the callback.
type walkResult struct {
	pageURL  *url.URL
	page     []byte
	callback *url.URL
}

// walk sends the request and follows redirects until a response with
// status 200, or until a redirect to a URL that starts with stopPrefix,
// which it returns without requesting it. form, when not nil, is sent as
// an application/x-www-form-urlencoded body.
func walk(ctx context.Context, client *http.Client, method, target string, form url.Values, stopPrefix string) (walkResult, error) {
	first := target
	for range maxRedirects + 1 {
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		resp, page, err := send(ctx, client, method, target, body)
		if err != nil {
			return walkResult{}, err
		}
		switch resp.StatusCode {
		case http.StatusOK:
			return walkResult{pageURL: resp.Request.URL, page: page}, nil
		case http.StatusFound, http.StatusSeeOther:
		default:
			return walkResult{}, fmt.Errorf("%s %s returned status %d, expected 200 or a redirect; body %s",
				method, target, resp.StatusCode, truncateBody(page))
		}
		next, err := resp.Location()
		if err != nil {
			return walkResult{}, fmt.Errorf("%s %s returned status %d without a valid Location: %w", method, target, resp.StatusCode, err)
		}
		if strings.HasPrefix(next.String(), stopPrefix) {
			return walkResult{callback: next}, nil
		}
		method, target, form = http.MethodGet, next.String(), nil
	}
	return walkResult{}, fmt.Errorf("more than %d redirects from %s", maxRedirects, first)
}

// send sends one request without following redirects and returns the
// response with its body, read up to maxPageBytes and closed.
func send(ctx context.Context, client *http.Client, method, target string, body io.Reader) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, nil, fmt.Errorf("build request %s %s: %w", method, target, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s failed: %w", method, target, err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes))
	if err != nil {
		return nil, nil, fmt.Errorf("read the response of %s %s: %w", method, target, err)
	}
	return resp, page, nil
}

var (
	// formTagPattern matches the start tag of an HTML form. It is enough
	// for the pages of e2e/idp/server.mjs, which quote every attribute.
	formTagPattern   = regexp.MustCompile(`(?is)<form\b[^>]*>`)
	attributePattern = regexp.MustCompile(`(?is)\b([a-z-]+)\s*=\s*"([^"]*)"`)
)

// formTarget returns the absolute URL that the form with id formID on the
// page posts to. The URL must be under issuer.
func formTarget(page walkResult, formID, issuer string) (string, error) {
	for _, tag := range formTagPattern.FindAll(page.page, -1) {
		attributes := map[string]string{}
		for _, match := range attributePattern.FindAllSubmatch(tag, -1) {
			attributes[strings.ToLower(string(match[1]))] = html.UnescapeString(string(match[2]))
		}
		if attributes["id"] != formID {
			continue
		}
		action, err := page.pageURL.Parse(attributes["action"])
		if err != nil {
			return "", fmt.Errorf("form %q on %s has the invalid action %q: %w", formID, page.pageURL, attributes["action"], err)
		}
		if !strings.HasPrefix(action.String(), issuer+"/interaction/") {
			return "", fmt.Errorf("form %q on %s posts to %s, expected a URL under %s/interaction/", formID, page.pageURL, action, issuer)
		}
		return action.String(), nil
	}
	return "", fmt.Errorf("page %s has no form with id %q; body %s", page.pageURL, formID, truncateBody(page.page))
}

// truncateBody returns the first 500 bytes of a body, for error messages.
func truncateBody(body []byte) string {
	if len(body) <= 500 {
		return string(body)
	}
	return string(body[:500]) + "..."
}
