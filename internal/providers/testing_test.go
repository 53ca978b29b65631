package providers

import (
	"strings"
	"testing"
)

func TestWithFakeHostsAppleLogin(t *testing.T) {
	fake, _, env := appleSetup(t)
	fake.SignInApple("000111.fake.555", "d@example.com", "Dana", "")
	opts, err := WithFakeHosts(Options{}, map[string]string{"https://appleid.apple.com": fake.URL})
	if err != nil {
		t.Fatalf("WithFakeHosts with the Apple fake at %s: %v", fake.URL, err)
	}
	id := mustLogin(t, newProvider(t, testProvider{name: "apple-id"}, env, opts))
	if id.FirstName != "Dana" {
		t.Errorf("first name = %q, expected Dana from the fake's user parameter", id.FirstName)
	}
}

func TestWithFakeHostsRejects(t *testing.T) {
	tests := []struct {
		name, base, fake, fragment string
	}{
		{"unknown base", "https://appleid.apple.com.example", "http://127.0.0.1:1234", "not a fixed provider host"},
		{"base with slash", "https://appleid.apple.com/", "http://127.0.0.1:1234", "not a fixed provider host"},
		{"remote fake", "https://appleid.apple.com", "http://192.0.2.10:1234", "not on a loopback address"},
		{"host name fake", "https://github.com", "http://fake.example:1234", "not on a loopback address"},
		{"https fake", "https://github.com", "https://127.0.0.1:1234", "must be http://"},
		{"fake with path", "https://api.github.com", "http://127.0.0.1:1234/api", "must be http://"},
		{"fake with user", "https://gitlab.com", "http://user@127.0.0.1:1234", "must be http://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := WithFakeHosts(Options{}, map[string]string{tt.base: tt.fake})
			if err == nil {
				t.Fatalf("WithFakeHosts(%s -> %s) succeeded, expected an error containing %q", tt.base, tt.fake, tt.fragment)
			}
			if !strings.Contains(err.Error(), tt.fragment) {
				t.Errorf("WithFakeHosts(%s -> %s) error %q does not contain %q", tt.base, tt.fake, err, tt.fragment)
			}
		})
	}
}

func TestWithFakeHostsAcceptsLoopback(t *testing.T) {
	for _, fake := range []string{"http://127.0.0.1:1234", "http://[::1]:1234/", "http://localhost:1234"} {
		opts, err := WithFakeHosts(Options{}, map[string]string{"https://github.com": fake})
		if err != nil {
			t.Errorf("WithFakeHosts(https://github.com -> %s): %v, expected success", fake, err)
			continue
		}
		if got, expected := opts.host("https://github.com"), strings.TrimRight(fake, "/"); got != expected {
			t.Errorf("after WithFakeHosts(%s), host(https://github.com) = %q, expected %q", fake, got, expected)
		}
		if got := opts.host("https://gitlab.com"); got != "https://gitlab.com" {
			t.Errorf("after WithFakeHosts for github.com only, host(https://gitlab.com) = %q, expected it unchanged", got)
		}
	}
}
