// Package fakes runs local stand-ins for the identity providers that
// authproxy supports, for tests. Every fake listens on 127.0.0.1, approves
// each authorization request for the person the test chose, and follows the
// wire format of the provider it stands for, including its error responses.
// Each fake's documentation names the provider pages it follows.
package fakes

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// codeLifetime is how long an authorization code can be redeemed. RFC 6749
// section 4.1.2 recommends at most ten minutes.
const codeLifetime = 10 * time.Minute

// grant is one authorization request that a fake approved.
type grant struct {
	clientID     string
	redirectURI  string
	scope        string
	nonce        string
	challenge    string
	issued       time.Time
	used         bool
	user         map[string]any
	responseMode string
}

// tokenError is an error response of a token endpoint (RFC 6749 section 5.2).
type tokenError struct {
	status      int
	code        string
	description string
}

// authServer is the authorization-code grant (RFC 6749 section 4.1) with
// PKCE (RFC 7636) that every fake shares.
type authServer struct {
	clientID string
	// authenticate checks the client's credentials in a token request.
	authenticate func(r *http.Request, form url.Values) error
	// callbackIssuer, when set, is sent as "iss" with the code (RFC 9207).
	callbackIssuer string
	// extraCallback adds parameters to the callback of a grant.
	extraCallback func(g *grant) url.Values
	// validate rejects an authorization request with 400 for a rule of one
	// provider.
	validate func(q url.Values) error

	mu     sync.Mutex
	grants map[string]*grant
	user   map[string]any
	deny   string
}

func newAuthServer(clientID string) *authServer {
	return &authServer{clientID: clientID, grants: map[string]*grant{}}
}

// setUser chooses the person that the next authorization requests sign in.
func (s *authServer) setUser(user map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user = user
}

// setDeny makes authorization requests return the error code instead of
// a code, as when the person declines. An empty code restores approval.
func (s *authServer) setDeny(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deny = code
}

// authorize serves the authorization endpoint. It rejects requests with an
// unknown client or without a redirect URI with 400, as RFC 6749 section
// 4.1.2.1 requires, and sends other errors to the redirect URI.
func (s *authServer) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "invalid request", http.StatusBadRequest)
		return
	}
	q := r.Form
	redirectURI := q.Get("redirect_uri")
	if q.Get("client_id") != s.clientID || redirectURI == "" {
		http.Error(w, "unknown client_id or missing redirect_uri", http.StatusBadRequest)
		return
	}
	if s.validate != nil {
		if err := s.validate(q); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	g := &grant{
		clientID: s.clientID, redirectURI: redirectURI, scope: q.Get("scope"), nonce: q.Get("nonce"),
		issued: time.Now(), responseMode: q.Get("response_mode"),
	}
	callback := url.Values{}
	if state := q.Get("state"); state != "" {
		callback.Set("state", state)
	}

	s.mu.Lock()
	deny, user := s.deny, s.user
	s.mu.Unlock()
	switch {
	case q.Get("response_type") != "code":
		callback.Set("error", "unsupported_response_type")
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		callback.Set("error", "invalid_request")
		callback.Set("error_description", "code_challenge_method must be S256")
	case deny != "":
		callback.Set("error", deny)
	case user == nil:
		callback.Set("error", "access_denied")
		callback.Set("error_description", "the test chose no user")
	default:
		g.challenge = q.Get("code_challenge")
		g.user = user
		code := randomString()
		s.mu.Lock()
		s.grants[code] = g
		s.mu.Unlock()
		callback.Set("code", code)
		if s.callbackIssuer != "" {
			callback.Set("iss", s.callbackIssuer)
		}
		if s.extraCallback != nil {
			for k, v := range s.extraCallback(g) {
				callback[k] = v
			}
		}
	}
	respond(w, r, g, callback)
}

// respond sends the authorization response to the redirect URI, as a
// redirect or, for response_mode=form_post, as a self-submitting form
// (OAuth 2.0 Form Post Response Mode).
func respond(w http.ResponseWriter, r *http.Request, g *grant, callback url.Values) {
	if g.responseMode == "form_post" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<html><body onload="document.forms[0].submit()"><form method="post" action="%s">`,
			html.EscapeString(g.redirectURI))
		for name, values := range callback {
			for _, v := range values {
				fmt.Fprintf(w, `<input type="hidden" name="%s" value="%s">`, html.EscapeString(name), html.EscapeString(v))
			}
		}
		fmt.Fprint(w, `</form></body></html>`)
		return
	}
	target, err := url.Parse(g.redirectURI)
	if err != nil {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	query := target.Query()
	for k, v := range callback {
		query[k] = v
	}
	target.RawQuery = query.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

// redeem checks a token request for the authorization-code grant and
// returns its grant: client authentication, a known and unused code that
// has not expired, the same redirect URI, and the PKCE verifier.
func (s *authServer) redeem(r *http.Request) (*grant, *tokenError) {
	if r.Method != http.MethodPost {
		return nil, &tokenError{status: http.StatusMethodNotAllowed, code: "invalid_request"}
	}
	if err := r.ParseForm(); err != nil {
		return nil, &tokenError{status: http.StatusBadRequest, code: "invalid_request"}
	}
	form := r.PostForm
	if err := s.authenticate(r, form); err != nil {
		// RFC 6749 section 5.2: 401 when the client authenticated with the
		// Authorization header, 400 otherwise (Apple's response).
		status := http.StatusBadRequest
		if _, _, basic := r.BasicAuth(); basic {
			status = http.StatusUnauthorized
		}
		return nil, &tokenError{status: status, code: "invalid_client", description: err.Error()}
	}
	if form.Get("grant_type") != "authorization_code" {
		return nil, &tokenError{status: http.StatusBadRequest, code: "unsupported_grant_type"}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grants[form.Get("code")]
	switch {
	case !ok || g.used || time.Since(g.issued) > codeLifetime:
		return nil, &tokenError{status: http.StatusBadRequest, code: "invalid_grant",
			description: "the code is unknown, used or expired"}
	case g.redirectURI != form.Get("redirect_uri"):
		return nil, &tokenError{status: http.StatusBadRequest, code: "invalid_grant",
			description: "redirect_uri differs from the authorization request"}
	case g.challenge != "" && pkceChallenge(form.Get("code_verifier")) != g.challenge:
		return nil, &tokenError{status: http.StatusBadRequest, code: "invalid_grant",
			description: "code_verifier does not match the code_challenge"}
	}
	g.used = true
	return g, nil
}

// secretAuthenticator accepts client_secret_basic and client_secret_post
// (RFC 6749 section 2.3.1) with the given credentials.
func secretAuthenticator(clientID, clientSecret string, basic, post bool) func(*http.Request, url.Values) error {
	return func(r *http.Request, form url.Values) error {
		if id, secret, ok := r.BasicAuth(); ok {
			id, _ = url.QueryUnescape(id)
			secret, _ = url.QueryUnescape(secret)
			if !basic {
				return errors.New("client_secret_basic is not accepted")
			}
			if id != clientID || secret != clientSecret {
				return errors.New("wrong client credentials")
			}
			return nil
		}
		if !post {
			return errors.New("client_secret_post is not accepted")
		}
		if form.Get("client_id") != clientID || form.Get("client_secret") != clientSecret {
			return errors.New("wrong client credentials")
		}
		return nil
	}
}

func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeTokenError sends e as RFC 6749 section 5.2 describes.
func writeTokenError(w http.ResponseWriter, e *tokenError) {
	body := map[string]string{"error": e.code}
	if e.description != "" {
		body["error_description"] = e.description
	}
	writeJSON(w, e.status, body)
}

// bearer returns the access token of an Authorization header, accepting
// the "Bearer" and GitHub's "token" schemes.
func bearer(r *http.Request) string {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if strings.EqualFold(scheme, "bearer") || strings.EqualFold(scheme, "token") {
		return token
	}
	return ""
}

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)

// Authorize opens authURL as the browser of a person who is signed in at
// the provider and consents, and returns the parameters the provider sends
// to the redirect URI, by redirect or by form post. It contacts only the
// fake that authURL names, which must be on a loopback address.
func Authorize(ctx context.Context, authURL string) (url.Values, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return nil, fmt.Errorf("authorization URL: %w", err)
	}
	if host := u.Hostname(); host != "127.0.0.1" && host != "::1" && host != "localhost" {
		return nil, fmt.Errorf("authorization URL %s is not a local fake", authURL)
	}
	client := &http.Client{
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}

	switch resp.StatusCode {
	case http.StatusFound:
		location, err := url.Parse(resp.Header.Get("Location"))
		if err != nil {
			return nil, fmt.Errorf("redirect: %w", err)
		}
		return location.Query(), nil
	case http.StatusOK:
		values := url.Values{}
		for _, m := range hiddenInput.FindAllStringSubmatch(string(body), -1) {
			values.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
		}
		return values, nil
	}
	return nil, fmt.Errorf("authorization endpoint responded with HTTP %d: %s", resp.StatusCode, body)
}
