package providers

import (
	"context"
	"errors"
	"github.com/argilla-authproxy/authproxy/internal/config"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/argilla-authproxy/authproxy/internal/providers/fakes"
)

func keycloakFake(t *testing.T) (*fakes.OIDC, testProvider, map[string]string) {
	fake := fakes.NewOIDC(t, fakes.KeycloakLayout("argilla"))
	fake.SignIn(map[string]any{
		"sub": "f1c2", "preferred_username": "ada", "given_name": "Ada", "email": "ada@example.com",
		"email_verified": true,
		"realm_access":   map[string]any{"roles": []string{"argilla_role:admin", "argilla_workspace:team-a"}},
	})
	entry := testProvider{name: "keycloak", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
	env := map[string]string{"SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT": fake.Issuer()}
	return fake, entry, env
}

func TestKeycloakLogin(t *testing.T) {
	_, entry, env := keycloakFake(t)
	id := mustLogin(t, newProvider(t, entry, env, Options{}))

	want := Identity{Provider: "keycloak", Subject: "f1c2", Username: "ada", FirstName: "Ada",
		Email: "ada@example.com", EmailVerified: true}
	if id.Provider != want.Provider || id.Subject != want.Subject || id.Username != want.Username ||
		id.FirstName != want.FirstName || id.Email != want.Email || id.EmailVerified != want.EmailVerified {
		t.Errorf("identity = %+v, expected %+v", *id, want)
	}
	if strings.Join(id.RealmRoles, ",") != "argilla_role:admin,argilla_workspace:team-a" {
		t.Errorf("realm roles = %v", id.RealmRoles)
	}
}

func TestKeycloakUsernameKey(t *testing.T) {
	_, entry, env := keycloakFake(t)
	env["SOCIAL_AUTH_KEYCLOAK_USERNAME_KEY"] = "email"
	id := mustLogin(t, newProvider(t, entry, env, Options{}))
	if id.Username != "ada@example.com" {
		t.Errorf("username = %q, expected the email claim", id.Username)
	}
}

func TestKeycloakIssuerMismatch(t *testing.T) {
	tests := []struct {
		name      string
		advertise func(fake *fakes.OIDC) string
	}{
		{"public https host", func(*fakes.OIDC) string { return "https://login.example.com" }},
		{"internal host", func(*fakes.OIDC) string { return "http://keycloak:8080" }},
		{"http instead of https", func(fake *fakes.OIDC) string { return strings.Replace(fake.URL, "http:", "https:", 1) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, entry, env := keycloakFake(t)
			configured := fake.Issuer()
			fake.Advertise(tt.advertise(fake))
			advertised := fake.Issuer()

			err := newProvider(t, entry, env, Options{}).Check(context.Background())
			if !errors.Is(err, ErrIssuerMismatch) {
				t.Fatalf("Check = %v, expected ErrIssuerMismatch", err)
			}
			for _, fragment := range []string{
				`"` + advertised + `"`, `"` + configured + `"`,
				"SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT=" + advertised,
				"SOCIAL_AUTH_KEYCLOAK_OIDC_BACKCHANNEL_URL=" + configured,
				"KC_HOSTNAME",
			} {
				if !strings.Contains(err.Error(), fragment) {
					t.Errorf("Check error %q does not contain %q", err, fragment)
				}
			}
		})
	}
}

func TestKeycloakTrailingSlashRejected(t *testing.T) {
	fake, entry, env := keycloakFake(t)
	env["SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT"] += "/"
	p := newProvider(t, entry, env, Options{})
	err := p.Check(context.Background())
	if !errors.Is(err, ErrIssuerMismatch) {
		t.Fatalf("Check with a trailing slash = %v, expected ErrIssuerMismatch", err)
	}
	fix := "SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT=" + fake.Issuer()
	if !strings.Contains(err.Error(), fix) {
		t.Errorf("error %q does not give the fix %q", err, fix)
	}
}

func TestKeycloakBackchannel(t *testing.T) {
	fake, entry, env := keycloakFake(t)
	internal := fake.Issuer()
	fake.Advertise("https://login.example.com")
	env["SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT"] = "https://login.example.com/realms/argilla"
	env["SOCIAL_AUTH_KEYCLOAK_OIDC_BACKCHANNEL_URL"] = internal
	p := newProvider(t, entry, env, Options{})
	ctx := context.Background()

	if err := p.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	req := newRequest("keycloak")
	authURL, err := p.AuthCodeURL(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	// Browsers are sent to the public address; the test plays the browser
	// and reaches the same fake.
	if !strings.HasPrefix(authURL, "https://login.example.com/realms/argilla/protocol/openid-connect/auth?") {
		t.Errorf("authorization URL %q is not on the public issuer", authURL)
	}
	local := strings.Replace(authURL, "https://login.example.com", fake.URL, 1)
	callback, err := fakes.Authorize(ctx, local)
	if err != nil {
		t.Fatal(err)
	}
	id, err := p.Exchange(ctx, req, callback)
	if err != nil {
		t.Fatalf("Exchange through the back channel: %v", err)
	}
	if id.Username != "ada" {
		t.Errorf("username = %q", id.Username)
	}
}

func TestGenericOIDCMissingEndpoint(t *testing.T) {
	// The configuration loader rejects this first; New must reject it too
	// for callers that build a config.Provider themselves.
	_, err := New(config.Provider{Name: "oidc", ClientID: "id", ClientSecret: "secret"}, Options{})
	if err == nil || !strings.Contains(err.Error(), "SOCIAL_AUTH_OIDC_OIDC_ENDPOINT") {
		t.Errorf("New without endpoint = %v, expected the variable to set", err)
	}
}

func TestOIDCFaults(t *testing.T) {
	tests := []struct {
		name      string
		faults    fakes.OIDCFaults
		leeway    time.Duration
		status    int
		fragments []string
	}{
		{"bad signature", fakes.OIDCFaults{BadSignature: true}, 0, http.StatusUnauthorized,
			[]string{"ID token", "invalid", "signature"}},
		{"wrong audience", fakes.OIDCFaults{Audience: "another-client"}, 0, http.StatusUnauthorized,
			[]string{"audience", "another-client"}},
		{"expired", fakes.OIDCFaults{IDTokenLifetime: -2 * time.Minute}, 0, http.StatusUnauthorized,
			[]string{"expired"}},
		{"expired beyond leeway", fakes.OIDCFaults{IDTokenLifetime: -40 * time.Second}, 10 * time.Second,
			http.StatusUnauthorized, []string{"expired"}},
		{"wrong nonce", fakes.OIDCFaults{Nonce: "another-login"}, 0, http.StatusUnauthorized,
			[]string{"nonce"}},
		{"wrong issuer", fakes.OIDCFaults{Issuer: "https://evil.example.com/realms/argilla"}, 0,
			http.StatusUnauthorized, []string{"https://evil.example.com/realms/argilla"}},
		{"userinfo subject mismatch", fakes.OIDCFaults{UserInfoSubject: "someone-else"}, 0,
			http.StatusUnauthorized, []string{"userinfo subject"}},
		{"no ID token", fakes.OIDCFaults{NoIDToken: true}, 0, http.StatusUnauthorized,
			[]string{"no ID token", "openid"}},
		{"token error", fakes.OIDCFaults{TokenError: "invalid_grant"}, 0, http.StatusUnauthorized,
			[]string{"invalid_grant", "rejected the authorization code"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, entry, env := keycloakFake(t)
			fake.Break(tt.faults)
			err := loginError(t, newProvider(t, entry, env, Options{Leeway: tt.leeway}))
			checkError(t, err, tt.status, tt.fragments...)
		})
	}
}

func TestOIDCLeewayAcceptsSkew(t *testing.T) {
	fake, entry, env := keycloakFake(t)
	fake.Break(fakes.OIDCFaults{IDTokenLifetime: -20 * time.Second})
	mustLogin(t, newProvider(t, entry, env, Options{Leeway: 45 * time.Second}))
	// DefaultLeeway applies when Options.Leeway is zero.
	mustLogin(t, newProvider(t, entry, env, Options{}))
}

func TestOIDCTimeout(t *testing.T) {
	fake, entry, env := keycloakFake(t)
	p := newProvider(t, entry, env, Options{HTTPClient: &http.Client{Timeout: 300 * time.Millisecond}})
	if err := p.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	fake.Break(fakes.OIDCFaults{TokenDelay: 2 * time.Second})
	start := time.Now()
	err := loginError(t, p)
	checkError(t, err, http.StatusGatewayTimeout, "timed out")
	if elapsed := time.Since(start); elapsed > 1500*time.Millisecond {
		t.Errorf("login took %v, expected the 300ms time-out to end it", elapsed)
	}
}

func TestOIDCDiscoveryUnavailable(t *testing.T) {
	fake, entry, env := keycloakFake(t)
	fake.Break(fakes.OIDCFaults{DiscoveryStatus: http.StatusServiceUnavailable})
	p := newProvider(t, entry, env, Options{})
	err := p.Check(context.Background())
	if !errors.Is(err, ErrNotReady) || !strings.Contains(err.Error(), "HTTP 503") {
		t.Fatalf("Check = %v, expected ErrNotReady with the status", err)
	}

	fake.Break(fakes.OIDCFaults{})
	if err := p.Check(context.Background()); err != nil {
		t.Fatalf("Check after recovery: %v", err)
	}
}

func TestOIDCCodeReplay(t *testing.T) {
	_, entry, env := keycloakFake(t)
	p := newProvider(t, entry, env, Options{})
	ctx := context.Background()
	req, callback := authorize(t, ctx, p)
	if _, err := p.Exchange(ctx, req, callback); err != nil {
		t.Fatalf("first exchange: %v", err)
	}
	_, err := p.Exchange(ctx, req, callback)
	var providerErr *Error
	if !errors.As(err, &providerErr) || providerErr.Code != "invalid_grant" {
		t.Errorf("second exchange = %v, expected invalid_grant", err)
	}
}

func TestOIDCCallbackIssuerMismatch(t *testing.T) {
	_, entry, env := keycloakFake(t)
	p := newProvider(t, entry, env, Options{})
	ctx := context.Background()
	req, callback := authorize(t, ctx, p)
	if callback.Get("iss") == "" {
		t.Fatal("the Keycloak fake sent no iss parameter")
	}
	callback.Set("iss", "https://attacker.example.com")
	_, err := p.Exchange(ctx, req, callback)
	if err == nil || !strings.Contains(err.Error(), "attacker.example.com") {
		t.Errorf("Exchange with another iss = %v, expected a rejection naming it", err)
	}
}

func TestHuggingFaceLogin(t *testing.T) {
	fake := fakes.NewOIDC(t, fakes.HuggingFaceLayout)
	fake.SignIn(map[string]any{"sub": "6421a", "preferred_username": "grace", "name": "Grace Hopper"})
	entry := testProvider{name: "huggingface", clientID: fake.ClientID, clientSecret: fake.ClientSecret}

	tests := []struct {
		name string
		env  map[string]string
	}{
		{"OIDC_ENDPOINT", map[string]string{"SOCIAL_AUTH_HUGGINGFACE_OIDC_ENDPOINT": fake.URL}},
		{"Space OPENID_PROVIDER_URL", map[string]string{"OPENID_PROVIDER_URL": fake.URL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProvider(t, entry, tt.env, Options{})
			authURL, err := p.AuthCodeURL(context.Background(), newRequest("huggingface"))
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(authURL)
			if scope := u.Query().Get("scope"); scope != "openid profile" {
				t.Errorf("default scope = %q, expected \"openid profile\"", scope)
			}
			if u.Query().Get("code_challenge_method") != "S256" || u.Query().Get("nonce") == "" {
				t.Errorf("authorization URL %q lacks PKCE or nonce", authURL)
			}

			id := mustLogin(t, p)
			if id.Username != "grace" || id.Subject != "6421a" || id.FirstName != "grace" {
				t.Errorf("identity = %+v, expected username and first name grace", *id)
			}
		})
	}
}

func TestHuggingFaceDefaultIssuer(t *testing.T) {
	p := newProvider(t, testProvider{name: "huggingface", clientID: "id", clientSecret: "secret"}, nil, Options{})
	if got := p.(*oidcProvider).spec.issuer; got != "https://huggingface.co" {
		t.Errorf("default issuer = %q", got)
	}
}

func TestGenericOIDCLogin(t *testing.T) {
	fake := fakes.NewOIDC(t, fakes.GenericLayout)
	fake.SignIn(map[string]any{"sub": "u-1", "preferred_username": "linus", "given_name": "Linus"})
	entry := testProvider{name: "oidc", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
	id := mustLogin(t, newProvider(t, entry, map[string]string{"SOCIAL_AUTH_OIDC_OIDC_ENDPOINT": fake.URL}, Options{}))
	if id.Username != "linus" || id.FirstName != "Linus" || id.Provider != "oidc" {
		t.Errorf("identity = %+v", *id)
	}
}
