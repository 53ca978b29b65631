package providers

import (
	"net/http"
	"testing"

	"github.com/argilla-authproxy/authproxy/internal/providers/fakes"
)

func TestAllowListCheck(t *testing.T) {
	allow := allowList{
		emails:  map[string]bool{"guest@partner.org": true},
		domains: map[string]bool{"example.com": true},
	}
	tests := []struct {
		name     string
		email    string
		verified bool
		allowed  bool
	}{
		{"listed domain", "ada@example.com", true, true},
		{"listed domain in upper case", "Ada@EXAMPLE.com", true, true},
		{"listed email", "guest@partner.org", true, true},
		{"other address of a listed email's domain", "boss@partner.org", true, false},
		{"domain with listed suffix", "eve@badexample.com", true, false},
		{"subdomain of listed domain", "eve@mail.example.com", true, false},
		{"two at signs", "eve@evil.com@example.com", true, false},
		{"unverified", "ada@example.com", false, false},
		{"no email", "", true, false},
		{"no local part", "@example.com", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := allow.check("keycloak", &Identity{Email: tt.email, EmailVerified: tt.verified})
			if tt.allowed && err != nil {
				t.Errorf("check(%q) = %v, expected allowed", tt.email, err)
			}
			if !tt.allowed {
				var providerErr *Error
				if err == nil {
					t.Fatalf("check(%q) allowed, expected a rejection", tt.email)
				}
				if !asError(err, &providerErr) || providerErr.Status != http.StatusForbidden {
					t.Errorf("check(%q) = %v, expected a 403 *Error", tt.email, err)
				}
			}
		})
	}
}

func TestAllowListFromSettings(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		email   string
		allowed bool
	}{
		{"provider domain list", map[string]string{"SOCIAL_AUTH_KEYCLOAK_WHITELISTED_DOMAINS": "example.org, example.com"},
			"ada@example.com", true},
		{"shared email list", map[string]string{"SOCIAL_AUTH_WHITELISTED_EMAILS": "grace@example.net,ada@example.com"},
			"ada@example.com", true},
		{"suffix is not a domain", map[string]string{"SOCIAL_AUTH_KEYCLOAK_WHITELISTED_DOMAINS": "ample.com"},
			"ada@example.com", false},
		{"no list", nil, "ada@example.com", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, entry, env := keycloakFake(t)
			for k, v := range tt.env {
				env[k] = v
			}
			fake.SignIn(map[string]any{"sub": "s", "preferred_username": "ada", "email": tt.email,
				"email_verified": true})
			p := newProvider(t, entry, env, Options{})
			if tt.allowed {
				mustLogin(t, p)
				return
			}
			checkError(t, loginError(t, p), http.StatusForbidden, "not allowed", tt.email)
		})
	}
}

func TestAllowListGitHubNeedsVerifiedEmail(t *testing.T) {
	fake, opts := gitHubFake(t, "")
	fake.SignIn(fakes.GitHubUser{ID: 1, Login: "public", Email: "public@example.com"})
	entry := testProvider{name: "github", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
	env := map[string]string{"SOCIAL_AUTH_GITHUB_WHITELISTED_DOMAINS": "example.com"}
	checkError(t, loginError(t, newProvider(t, entry, env, opts)), http.StatusForbidden, "not verified")

	entry.scope = "user:email"
	fake.SignIn(octocat)
	if id := mustLogin(t, newProvider(t, entry, env, opts)); id.Email != "octocat@example.com" {
		t.Errorf("email = %q", id.Email)
	}
}
