package providers

import (
	"net/http"
	"testing"

	"github.com/argilla-authproxy/authproxy/internal/providers/fakes"
)

// googleFake returns a Google fake that the provider reaches through the
// back-channel setting, since the issuer stays https://accounts.google.com.
func googleFake(t *testing.T, claims map[string]any) (*fakes.OIDC, testProvider, map[string]string) {
	fake := fakes.NewOIDC(t, fakes.GoogleLayout)
	fake.SignIn(claims)
	entry := testProvider{name: "google-oauth2", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
	return fake, entry, map[string]string{"SOCIAL_AUTH_GOOGLE_OAUTH2_OIDC_BACKCHANNEL_URL": fake.URL}
}

func TestGoogleLogin(t *testing.T) {
	tests := []struct {
		name      string
		issuer    string
		claims    map[string]any
		username  string
		firstName string
	}{
		{"issuer with scheme", "", map[string]any{"sub": "1078", "email": "marie.curie@example.com",
			"email_verified": true, "given_name": "Marie", "name": "Marie Curie"}, "marie.curie", "Marie"},
		{"issuer without scheme", "accounts.google.com", map[string]any{"sub": "1079", "email": "pierre@example.com",
			"email_verified": true, "name": "Pierre Curie"}, "pierre", "Pierre"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, entry, env := googleFake(t, tt.claims)
			fake.Break(fakes.OIDCFaults{Issuer: tt.issuer})
			id := mustLogin(t, newProvider(t, entry, env, Options{}))
			if id.Username != tt.username || id.FirstName != tt.firstName || !id.EmailVerified {
				t.Errorf("identity = %+v, expected username %q, first name %q, verified email",
					*id, tt.username, tt.firstName)
			}
		})
	}
}

func TestGoogleRejects(t *testing.T) {
	tests := []struct {
		name      string
		claims    map[string]any
		issuer    string
		status    int
		fragments []string
	}{
		{"unverified email", map[string]any{"sub": "1", "email": "root@example.com", "email_verified": false},
			"", http.StatusForbidden, []string{"not verified", `"root@example.com"`}},
		{"no email", map[string]any{"sub": "2"}, "", http.StatusUnprocessableEntity, []string{"email scope"}},
		{"scheme-less issuer of another host", map[string]any{"sub": "3", "email": "a@example.com",
			"email_verified": true}, "accounts.evil.com", http.StatusUnauthorized, []string{"accounts.evil.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, entry, env := googleFake(t, tt.claims)
			fake.Break(fakes.OIDCFaults{Issuer: tt.issuer})
			checkError(t, loginError(t, newProvider(t, entry, env, Options{})), tt.status, tt.fragments...)
		})
	}
}
