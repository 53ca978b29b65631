package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	testCookieSecret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	testClientSecret = "client-secret-do-not-print"
	testAPIKey       = "owner-api-key-do-not-print"
)

// runCheckConfig runs `authproxy check-config` on an OAuth file with content
// and returns the exit code, standard output and standard error.
func runCheckConfig(t *testing.T, content string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), ".oauth.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ARGILLA_AUTH_OAUTH_CFG", path)
	t.Setenv("AUTHPROXY_COOKIE_SECRETS", testCookieSecret)
	t.Setenv("AUTHPROXY_ARGILLA_API_KEY", testAPIKey)
	t.Setenv("SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT", "http://keycloak:8080/realms/argilla")

	var out, errOut bytes.Buffer
	code = run(append([]string{"check-config"}, args...), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckConfigValid(t *testing.T) {
	code, stdout, stderr := runCheckConfig(t,
		"providers:\n  - name: keycloak\n    client_id: argilla\n    client_secret: "+testClientSecret+"\n")
	if code != 0 {
		t.Fatalf("exit code = %d, want 0; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "providers.keycloak.oidc_endpoint") {
		t.Errorf("output lacks the keycloak endpoint:\n%s", stdout)
	}
	for _, secret := range []string{testClientSecret, testAPIKey, testCookieSecret} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("output contains the secret %q", secret)
		}
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
}

func TestCheckConfigInvalid(t *testing.T) {
	code, stdout, stderr := runCheckConfig(t, "providers:\n  - name: keycloak\n    client_id: argilla\ncolour: blue\n")
	if code != 2 {
		t.Errorf("exit code = %d, want 2", code)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing for an invalid configuration", stdout)
	}
	if !strings.Contains(stderr, "providers.keycloak.client_secret: missing client secret") {
		t.Errorf("stderr lacks the problem:\n%s", stderr)
	}
	if !strings.Contains(stderr, `"level":"WARN"`) || !strings.Contains(stderr, `"key":"colour"`) {
		t.Errorf("stderr lacks the warning about the unknown key:\n%s", stderr)
	}
}

func TestCheckConfigProviderBuildError(t *testing.T) {
	// Apple needs a team id, which only the provider itself checks.
	code, stdout, stderr := runCheckConfig(t, "providers:\n  - {name: apple-id, client_id: a, client_secret: b}\n"+
		"extra_backends:\n  - social_core.backends.apple.AppleIdAuth\n")
	if code != 2 {
		t.Errorf("exit code = %d, want 2", code)
	}
	if !strings.Contains(stdout, "providers.apple-id.client_id") {
		t.Errorf("stdout lacks the configuration:\n%s", stdout)
	}
	if !strings.Contains(stderr, `providers.apple-id.name = "apple-id": providers: apple-id: missing Apple team id`) {
		t.Errorf("stderr lacks the provider's problem:\n%s", stderr)
	}
}

func TestCheckConfigDisabled(t *testing.T) {
	code, _, stderr := runCheckConfig(t, "enabled: false\nproviders:\n  - name: github\n")
	if code != 0 {
		t.Errorf("exit code = %d, want 0 because no provider is built; stderr:\n%s", code, stderr)
	}
}

func TestCheckConfigFlags(t *testing.T) {
	valid := "providers:\n  - {name: keycloak, client_id: a, client_secret: b}\n"

	code, _, stderr := runCheckConfig(t, valid, "-h")
	if code != 0 {
		t.Errorf("-h: exit code = %d, want 0", code)
	}
	if !strings.Contains(stderr, "-upstream") {
		t.Errorf("-h: stderr lacks the flags:\n%s", stderr)
	}

	if code, _, _ := runCheckConfig(t, valid, "-no-such-flag"); code != 2 {
		t.Errorf("unknown flag: exit code = %d, want 2", code)
	}

	code, stdout, _ := runCheckConfig(t, valid, "-upstream", "http://argilla:6900")
	if code != 0 {
		t.Errorf("-upstream: exit code = %d, want 0", code)
	}
	if !strings.Contains(stdout, "# flag -upstream") {
		t.Errorf("-upstream: stdout lacks the flag as source:\n%s", stdout)
	}
}
