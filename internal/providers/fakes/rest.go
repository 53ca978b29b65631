package fakes

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// restProvider is an OAuth 2.0 server whose people are read from one REST
// resource with the access token, as GitLab and Microsoft Graph work.
type restProvider struct {
	URL          string
	ClientID     string
	ClientSecret string

	auth           *authServer
	unauthorized   any
	mu             sync.Mutex
	tokens         map[string]map[string]any
	resourceStatus int
}

func newRESTProvider(t testing.TB, mux *http.ServeMux, authorizePath, tokenPath, resourcePath string,
	unauthorized any) *restProvider {
	f := &restProvider{ClientID: randomString()[:20], ClientSecret: randomString(),
		tokens: map[string]map[string]any{}, unauthorized: unauthorized}
	f.auth = newAuthServer(f.ClientID)
	f.auth.authenticate = secretAuthenticator(f.ClientID, f.ClientSecret, true, true)
	mux.HandleFunc("GET "+authorizePath, f.auth.authorize)
	mux.HandleFunc(tokenPath, f.token)
	mux.HandleFunc("GET "+resourcePath, f.resource)
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	f.URL = server.URL
	return f
}

// SignIn chooses the person that the next logins sign in, as the REST
// resource describes them.
func (f *restProvider) SignIn(user map[string]any) { f.auth.setUser(user) }

// FailResource makes the REST resource respond with status and the
// provider's error body. A status of 0 restores normal responses.
func (f *restProvider) FailResource(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resourceStatus = status
}

func (f *restProvider) token(w http.ResponseWriter, r *http.Request) {
	g, tokenErr := f.auth.redeem(r)
	if tokenErr != nil {
		writeTokenError(w, tokenErr)
		return
	}
	accessToken := randomString()
	f.mu.Lock()
	f.tokens[accessToken] = g.user
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": accessToken, "token_type": "Bearer", "expires_in": 3599,
		"refresh_token": randomString(), "scope": g.scope,
	})
}

func (f *restProvider) resource(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	user, ok := f.tokens[bearer(r)]
	status := f.resourceStatus
	f.mu.Unlock()
	switch {
	case !ok || status == http.StatusUnauthorized:
		writeJSON(w, http.StatusUnauthorized, f.unauthorized)
	case status != 0:
		writeJSON(w, status, map[string]string{"message": http.StatusText(status)})
	default:
		writeJSON(w, http.StatusOK, user)
	}
}

// GitLab is a fake of GitLab's OAuth 2.0 provider and its current-user
// API ("OAuth 2.0 identity provider API", https://docs.gitlab.com/api/oauth2/;
// "Users API", GET /user, https://docs.gitlab.com/api/users/): endpoints at
// /oauth/authorize and /oauth/token, the person at /api/v4/user, and
// {"message": "401 Unauthorized"} for a bad token.
type GitLab struct{ *restProvider }

// NewGitLab starts a GitLab fake and stops it when the test ends.
func NewGitLab(t testing.TB) *GitLab {
	t.Helper()
	return &GitLab{newRESTProvider(t, http.NewServeMux(), "/oauth/authorize", "/oauth/token", "/api/v4/user",
		map[string]string{"message": "401 Unauthorized"})}
}

// MicrosoftGraph is a fake of Microsoft's v2.0 authorization-code flow
// ("Microsoft identity platform and OAuth 2.0 authorization code flow",
// https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow)
// and of Graph's GET /v1.0/me ("Get user",
// https://learn.microsoft.com/graph/api/user-get). Like Microsoft it
// serves any tenant segment in /{tenant}/oauth2/v2.0/*, and responds to a bad
// token with Graph's {"error": {"code", "message"}} body.
type MicrosoftGraph struct{ *restProvider }

// NewMicrosoftGraph starts a Microsoft fake and stops it when the test ends.
func NewMicrosoftGraph(t testing.TB) *MicrosoftGraph {
	t.Helper()
	return &MicrosoftGraph{newRESTProvider(t, http.NewServeMux(), "/{tenant}/oauth2/v2.0/authorize",
		"/{tenant}/oauth2/v2.0/token", "/v1.0/me",
		map[string]any{"error": map[string]string{"code": "InvalidAuthenticationToken",
			"message": "Access token validation failure. Invalid audience."}})}
}
