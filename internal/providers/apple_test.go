package providers

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/argilla-authproxy/authproxy/internal/providers/fakes"
)

// appleKey returns a new P-256 key and its .p8 file content.
func appleKey(t *testing.T) (*ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func appleSetup(t *testing.T) (*fakes.Apple, string, map[string]string) {
	key, p8 := appleKey(t)
	fake := fakes.NewApple(t, "TEAM123456", "KEY1234567", "com.example.argilla", &key.PublicKey)
	env := map[string]string{
		"SOCIAL_AUTH_APPLE_ID_TEAM":   fake.TeamID,
		"SOCIAL_AUTH_APPLE_ID_KEY":    fake.KeyID,
		"SOCIAL_AUTH_APPLE_ID_CLIENT": "com.example.argilla",
		"SOCIAL_AUTH_APPLE_ID_SECRET": p8,
	}
	return fake, p8, env
}

func appleOptions(fake *fakes.Apple) Options {
	return Options{hosts: hostsFor(fake.URL, appleIssuer)}
}

func TestAppleLogin(t *testing.T) {
	fake, _, env := appleSetup(t)
	fake.SignInApple("001234.abcdef.0987", "x7k2@privaterelay.appleid.com", "Tim", "Cook")
	p := newProvider(t, testProvider{name: "apple-id"}, env, appleOptions(fake))
	ctx := context.Background()

	req := newRequest("apple-id")
	authURL, err := p.AuthCodeURL(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	if u.Query().Get("response_mode") != "form_post" || u.Query().Get("scope") != "name email" {
		t.Errorf("authorization URL %q lacks response_mode=form_post or scope \"name email\"", authURL)
	}
	callback, err := fakes.Authorize(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	if callback.Get("user") == "" {
		t.Fatal("the first authorization posted no user parameter")
	}
	first, err := p.Exchange(ctx, req, callback)
	if err != nil {
		t.Fatalf("first sign-in: %v", err)
	}
	if first.Username != "001234.abcdef.0987" || first.FirstName != "Tim" || !first.EmailVerified {
		t.Errorf("first sign-in identity = %+v, expected the subject as username, first name Tim", *first)
	}

	// Apple sends the name only once; later sign-ins fall back to the username.
	second := mustLogin(t, p)
	if second.FirstName != second.Username {
		t.Errorf("second sign-in first name = %q, expected the username", second.FirstName)
	}
}

func TestAppleEmailAsUsername(t *testing.T) {
	fake, _, env := appleSetup(t)
	env["SOCIAL_AUTH_APPLE_ID_EMAIL_AS_USERNAME"] = "True"
	fake.SignInApple("000111.x.222", "ada@example.com", "Ada", "Lovelace")
	id := mustLogin(t, newProvider(t, testProvider{name: "apple-id"}, env, appleOptions(fake)))
	if id.Username != "ada@example.com" {
		t.Errorf("username = %q, expected the email", id.Username)
	}
}

func TestAppleKeyWithEscapedNewlines(t *testing.T) {
	fake, p8, env := appleSetup(t)
	env["SOCIAL_AUTH_APPLE_ID_SECRET"] = strings.ReplaceAll(strings.TrimSpace(p8), "\n", `\n`)
	fake.SignInApple("000111.x.333", "b@example.com", "B", "")
	mustLogin(t, newProvider(t, testProvider{name: "apple-id"}, env, appleOptions(fake)))
}

func TestAppleBadClientSecret(t *testing.T) {
	tests := []struct {
		name   string
		change func(env map[string]string)
	}{
		{"key of another team", func(env map[string]string) {
			_, other := appleKey(t)
			env["SOCIAL_AUTH_APPLE_ID_SECRET"] = other
		}},
		{"wrong team id", func(env map[string]string) { env["SOCIAL_AUTH_APPLE_ID_TEAM"] = "OTHERTEAM1" }},
		{"wrong key id", func(env map[string]string) { env["SOCIAL_AUTH_APPLE_ID_KEY"] = "OTHERKEY12" }},
		{"expired ready-made secret", func(env map[string]string) {
			env["SOCIAL_AUTH_APPLE_ID_SECRET"] = "eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9.c2ln"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, _, env := appleSetup(t)
			tt.change(env)
			fake.SignInApple("000111.x.444", "c@example.com", "C", "")
			err := loginError(t, newProvider(t, testProvider{name: "apple-id"}, env, appleOptions(fake)))
			checkError(t, err, http.StatusUnauthorized, "invalid_client", "check the client id and client secret")
		})
	}
}

func TestAppleSettings(t *testing.T) {
	_, p8 := appleKey(t)
	tests := []struct {
		name     string
		entry    testProvider
		env      map[string]string
		fragment string
	}{
		{"no team", testProvider{name: "apple-id", clientID: "com.example"},
			map[string]string{"SOCIAL_AUTH_APPLE_ID_KEY": "K", "SOCIAL_AUTH_APPLE_ID_SECRET": p8}, "SOCIAL_AUTH_APPLE_ID_TEAM"},
		{"client id is the key id", testProvider{name: "apple-id"},
			map[string]string{"SOCIAL_AUTH_APPLE_ID_TEAM": "T", "SOCIAL_AUTH_APPLE_ID_KEY": "K",
				"SOCIAL_AUTH_APPLE_ID_SECRET": p8}, "SOCIAL_AUTH_APPLE_ID_CLIENT"},
		{"secret not a key", testProvider{name: "apple-id", clientID: "com.example"},
			map[string]string{"SOCIAL_AUTH_APPLE_ID_TEAM": "T", "SOCIAL_AUTH_APPLE_ID_KEY": "K",
				"SOCIAL_AUTH_APPLE_ID_SECRET": "not-a-key"}, "not a PEM private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadConfig(t, []testProvider{tt.entry}, tt.env)
			_, err := New(cfg.Providers[0], Options{})
			if err == nil || !strings.Contains(err.Error(), tt.fragment) {
				t.Errorf("New = %v, expected an error containing %q", err, tt.fragment)
			}
		})
	}
}
