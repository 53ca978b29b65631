package providers

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestTokenResponseFormats checks that the token responses that providers send
// are accepted: expires_in as a JSON number or string, and
// form-encoded bodies.
func TestTokenResponseFormats(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
	}{
		{"JSON, expires_in number", "application/json", `{"access_token":"t","token_type":"Bearer","expires_in":3600}`},
		{"JSON, expires_in string", "application/json", `{"access_token":"t","token_type":"Bearer","expires_in":"3600"}`},
		{"form-encoded", "application/x-www-form-urlencoded", "access_token=t&token_type=bearer&expires_in=3600"},
		{"form-encoded as text/plain", "text/plain", "access_token=t&token_type=bearer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				_, _ = w.Write([]byte(tt.body))
			})
			mux.HandleFunc("GET /oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.Query().Get("redirect_uri")+"?code=c&state="+r.URL.Query().Get("state"),
					http.StatusFound)
			})
			mux.HandleFunc("GET /api/v4/user", func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") != "Bearer t" {
					http.Error(w, `{"message":"401 Unauthorized"}`, http.StatusUnauthorized)
					return
				}
				_, _ = w.Write([]byte(`{"id":5,"username":"kim","name":"Kim"}`))
			})
			server := httptest.NewServer(mux)
			defer server.Close()

			entry := testProvider{name: "gitlab", clientID: "id", clientSecret: "secret"}
			id := mustLogin(t, newProvider(t, entry, map[string]string{"SOCIAL_AUTH_GITLAB_API_URL": server.URL}, Options{}))
			if id.Username != "kim" || id.Subject != "5" {
				t.Errorf("identity = %+v", *id)
			}
		})
	}
}
