package e2e

import (
	"os"
	"testing"
)

// stack holds the addresses and credentials of the components that
// scripts/test started.
type stack struct {
	ArgillaURL    string
	ArgillaAPIKey string
	OwnerName     string
	OwnerPassword string
	Issuer        string
	ClientID      string
	ClientSecret  string
	ChromiumPath  string
}

// loadStack reads the stack from the environment. A missing variable fails
// the test when E2E_REQUIRED=1 and skips it otherwise.
func loadStack(t *testing.T) stack {
	t.Helper()
	return stack{
		ArgillaURL:    requireEnv(t, "E2E_ARGILLA_URL"),
		ArgillaAPIKey: requireEnv(t, "E2E_ARGILLA_API_KEY"),
		OwnerName:     requireEnv(t, "E2E_ARGILLA_OWNER"),
		OwnerPassword: requireEnv(t, "E2E_ARGILLA_OWNER_PASSWORD"),
		Issuer:        requireEnv(t, "E2E_IDP_ISSUER"),
		ClientID:      requireEnv(t, "E2E_IDP_CLIENT_ID"),
		ClientSecret:  requireEnv(t, "E2E_IDP_CLIENT_SECRET"),
		ChromiumPath:  requireEnv(t, "E2E_CHROMIUM"),
	}
}

// keycloakRealm is the realm of the Keycloak that scripts/test started,
// created from e2e/keycloak/realm.json.
type keycloakRealm struct {
	Issuer       string
	ClientID     string
	ClientSecret string
}

// loadKeycloak reads the Keycloak realm from the environment, failing or
// skipping the test as loadStack does.
func loadKeycloak(t *testing.T) keycloakRealm {
	t.Helper()
	return keycloakRealm{
		Issuer:       requireEnv(t, "E2E_KEYCLOAK_ISSUER"),
		ClientID:     requireEnv(t, "E2E_KEYCLOAK_CLIENT_ID"),
		ClientSecret: requireEnv(t, "E2E_KEYCLOAK_CLIENT_SECRET"),
	}
}

func requireEnv(t *testing.T, name string) string {
	t.Helper()
	value := os.Getenv(name)
	if value != "" {
		return value
	}
	if e2eRequired() {
		t.Fatalf("environment variable %s is missing but E2E_REQUIRED=1; run the tests with scripts/test, which starts the stack and sets it", name)
	}
	t.Skipf("environment variable %s is not set; scripts/test starts the stack and sets it", name)
	return ""
}

// requireProxyBinary returns the authproxy binary that TestMain built, or
// fails the test with the build error.
func requireProxyBinary(t *testing.T) string {
	t.Helper()
	if proxyBuildErr != nil {
		t.Fatalf("authproxy binary is not available: %v", proxyBuildErr)
	}
	return proxyBinary
}
