package fakes

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// GitHubEmail is one entry of GET /user/emails.
type GitHubEmail struct {
	Email    string `json:"email"`
	Primary  bool   `json:"primary"`
	Verified bool   `json:"verified"`
}

// GitHubUser is the person a GitHub fake signs in.
type GitHubUser struct {
	ID    int64
	Login string
	// Name is the profile name; "" is sent as null, as GitHub does for
	// accounts without one.
	Name string
	// Email is the public email; "" is sent as null (a private address).
	Email  string
	Emails []GitHubEmail
	// Orgs maps organization logins to whether the membership is public.
	Orgs map[string]bool
	// Teams maps numeric team ids to the membership state, "active" or
	// "pending".
	Teams map[int64]string
}

// GitHubFaults make a GitHub fake misbehave. The zero value behaves.
type GitHubFaults struct {
	// TokenError makes token requests fail with this error code inside an
	// HTTP 200 response, as GitHub does.
	TokenError string
	// TokenFormat forces the token response's format, "json" or "form"; by
	// default it follows the Accept header as GitHub does.
	TokenFormat string
	// UserStatus makes GET /user respond with this status and GitHub's
	// error body.
	UserStatus int
	// TokenDelay delays every token response.
	TokenDelay time.Duration
}

// GitHub is a fake of GitHub's OAuth app flow and REST API ("Authorizing
// OAuth apps",
// https://docs.github.com/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps;
// REST API "Users", "Emails", "Organization members" and "Team members",
// https://docs.github.com/rest). Like GitHub it:
//
//   - sends the token response form-encoded unless the request accepts
//     application/json, and reports errors such as bad_verification_code
//     with HTTP 200;
//   - lists addresses at /user/emails only for the user:email or user scope;
//   - responds to /orgs/{org}/members/{username} with 204 for a visible member
//     and 302 otherwise (a private membership is visible only with
//     read:org), and /teams/{team_id}/memberships/{username} with the
//     membership state, with read:org only.
//
// The web endpoints are at /login/oauth/*, the REST API under APIPrefix
// ("" stands for api.github.com, "/api/v3" for GitHub Enterprise).
type GitHub struct {
	URL          string
	ClientID     string
	ClientSecret string
	APIPrefix    string

	auth   *authServer
	mu     sync.Mutex
	faults GitHubFaults
	user   *GitHubUser
	tokens map[string]githubToken
}

type githubToken struct {
	user   *GitHubUser
	scopes []string
}

// NewGitHub starts a GitHub fake with the REST API under apiPrefix and
// stops it when the test ends.
func NewGitHub(t testing.TB, apiPrefix string) *GitHub {
	t.Helper()
	f := &GitHub{ClientID: "Iv1." + randomString()[:16], ClientSecret: randomString(), APIPrefix: apiPrefix,
		tokens: map[string]githubToken{}}
	f.auth = newAuthServer(f.ClientID)
	f.auth.authenticate = secretAuthenticator(f.ClientID, f.ClientSecret, true, true)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", f.auth.authorize)
	mux.HandleFunc("/login/oauth/access_token", f.token)
	mux.HandleFunc("GET "+apiPrefix+"/user", f.getUser)
	mux.HandleFunc("GET "+apiPrefix+"/user/emails", f.getEmails)
	mux.HandleFunc("GET "+apiPrefix+"/orgs/{org}/members/{username}", f.getOrgMember)
	mux.HandleFunc("GET "+apiPrefix+"/teams/{team}/memberships/{username}", f.getTeamMembership)
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	f.URL = server.URL
	return f
}

// SignIn chooses the person that the next logins sign in.
func (f *GitHub) SignIn(user GitHubUser) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.user = &user
	f.auth.setUser(map[string]any{"login": user.Login})
}

// Break sets the faults for the requests that follow.
func (f *GitHub) Break(faults GitHubFaults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = faults
}

// githubTokenErrors maps OAuth error codes to the codes GitHub sends.
var githubTokenErrors = map[string]string{
	"invalid_grant":  "bad_verification_code",
	"invalid_client": "incorrect_client_credentials",
}

func (f *GitHub) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	faults, user := f.faults, f.user
	f.mu.Unlock()
	if faults.TokenDelay > 0 {
		select {
		case <-time.After(faults.TokenDelay):
		case <-r.Context().Done():
			return
		}
	}

	response := url.Values{}
	g, tokenErr := f.auth.redeem(r)
	switch {
	case tokenErr != nil:
		code := githubTokenErrors[tokenErr.code]
		if code == "" {
			code = tokenErr.code
		}
		if strings.Contains(tokenErr.description, "redirect_uri") {
			code = "redirect_uri_mismatch"
		}
		response.Set("error", code)
		response.Set("error_description", tokenErr.description)
		response.Set("error_uri", "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors")
	case faults.TokenError != "":
		response.Set("error", faults.TokenError)
		response.Set("error_description", "The code passed is incorrect or expired.")
	default:
		accessToken := "gho_" + randomString()
		scopes := strings.FieldsFunc(g.scope, func(r rune) bool { return r == ' ' || r == ',' })
		f.mu.Lock()
		f.tokens[accessToken] = githubToken{user: user, scopes: scopes}
		f.mu.Unlock()
		response.Set("access_token", accessToken)
		response.Set("scope", strings.Join(scopes, ","))
		response.Set("token_type", "bearer")
	}

	format := faults.TokenFormat
	if format == "" {
		format = "form"
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			format = "json"
		}
	}
	if format == "json" {
		body := map[string]string{}
		for k := range response {
			body[k] = response.Get(k)
		}
		writeJSON(w, http.StatusOK, body)
		return
	}
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	_, _ = w.Write([]byte(response.Encode()))
}

// authorized returns the token of an API request, or responds 401 as GitHub
// does and returns false.
func (f *GitHub) authorized(w http.ResponseWriter, r *http.Request) (githubToken, bool) {
	f.mu.Lock()
	token, ok := f.tokens[bearer(r)]
	f.mu.Unlock()
	if r.Header.Get("User-Agent") == "" {
		// GitHub rejects API requests without a User-Agent.
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "Request forbidden by administrative rules."})
		return token, false
	}
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"})
		return token, false
	}
	return token, true
}

func (f *GitHub) getUser(w http.ResponseWriter, r *http.Request) {
	token, ok := f.authorized(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	status := f.faults.UserStatus
	f.mu.Unlock()
	if status != 0 {
		writeJSON(w, status, map[string]string{"message": http.StatusText(status),
			"documentation_url": "https://docs.github.com/rest"})
		return
	}
	u := token.user
	writeJSON(w, http.StatusOK, map[string]any{
		"login": u.Login, "id": u.ID, "node_id": "U_" + strconv.FormatInt(u.ID, 36), "type": "User",
		"name": nullable(u.Name), "email": nullable(u.Email), "site_admin": false,
	})
}

func (f *GitHub) getEmails(w http.ResponseWriter, r *http.Request) {
	token, ok := f.authorized(w, r)
	if !ok {
		return
	}
	if !slices.Contains(token.scopes, "user:email") && !slices.Contains(token.scopes, "user") {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found",
			"documentation_url": "https://docs.github.com/rest/users/emails"})
		return
	}
	emails := token.user.Emails
	if emails == nil {
		emails = []GitHubEmail{}
	}
	writeJSON(w, http.StatusOK, emails)
}

func (f *GitHub) getOrgMember(w http.ResponseWriter, r *http.Request) {
	token, ok := f.authorized(w, r)
	if !ok {
		return
	}
	org, username := r.PathValue("org"), r.PathValue("username")
	public, member := token.user.Orgs[org]
	visible := member && (public || slices.Contains(token.scopes, "read:org"))
	if !visible {
		// The requester is not known as a member: GitHub redirects to the
		// public membership check.
		http.Redirect(w, r, f.APIPrefix+"/orgs/"+org+"/public_members/"+username, http.StatusFound)
		return
	}
	if !strings.EqualFold(username, token.user.Login) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "User does not exist or is not a member of the organization"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *GitHub) getTeamMembership(w http.ResponseWriter, r *http.Request) {
	token, ok := f.authorized(w, r)
	if !ok {
		return
	}
	team, _ := strconv.ParseInt(r.PathValue("team"), 10, 64)
	state, member := token.user.Teams[team]
	if !slices.Contains(token.scopes, "read:org") || !member ||
		!strings.EqualFold(r.PathValue("username"), token.user.Login) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"role": "member", "state": state,
		"url": f.URL + f.APIPrefix + "/teams/" + r.PathValue("team") + "/memberships/" + token.user.Login})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
