package providers

import (
	"errors"
	"io/fs"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// catalogueNames returns every provider name that config accepts, read
// from the fix config gives for an unknown name when every extra backend
// is enabled.
func catalogueNames(t *testing.T) []string {
	t.Helper()
	var file strings.Builder
	file.WriteString("providers:\n  - name: zzzzzzzzzzzz\n    client_id: a\n    client_secret: b\nextra_backends:\n")
	for _, class := range extraClasses {
		file.WriteString("  - " + class + "\n")
	}
	_, err := config.Load(config.Options{
		Env: func(name string) (string, bool) {
			if name == "ARGILLA_AUTH_OAUTH_CFG" {
				return "/test/.oauth.yaml", true
			}
			return "", false
		},
		ReadFile: func(path string) ([]byte, error) {
			if path == "/test/.oauth.yaml" {
				return []byte(file.String()), nil
			}
			return nil, fs.ErrNotExist
		},
	})
	if err == nil {
		t.Fatal("config accepted an unknown provider name")
	}
	match := regexp.MustCompile(`use one of ([a-z0-9, -]+)`).FindStringSubmatch(err.Error())
	if match == nil {
		t.Fatalf("config's error lists no accepted names: %v", err)
	}
	return strings.Split(match[1], ", ")
}

func TestNewSupportsEveryCatalogueName(t *testing.T) {
	names := catalogueNames(t)
	if len(names) < 14 {
		t.Fatalf("config accepts only %v", names)
	}
	for _, name := range names {
		if !slices.Contains(Names(), name) {
			t.Errorf("config accepts %q, which New does not support", name)
		}
	}
	for _, name := range Names() {
		if !slices.Contains(names, name) {
			t.Errorf("New supports %q, which config does not accept", name)
		}
	}
}

func TestNewEveryProvider(t *testing.T) {
	_, p8 := appleKey(t)
	settings := map[string]map[string]string{
		"keycloak":              {"SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT": "https://kc.example.com/realms/a"},
		"oidc":                  {"SOCIAL_AUTH_OIDC_OIDC_ENDPOINT": "https://idp.example.com"},
		"okta-openidconnect":    {"SOCIAL_AUTH_OKTA_OPENIDCONNECT_API_URL": "https://example.okta.com/oauth2/default"},
		"auth0":                 {"SOCIAL_AUTH_AUTH0_DOMAIN": "example.eu.auth0.com"},
		"azuread-tenant-oauth2": {"SOCIAL_AUTH_AZUREAD_TENANT_OAUTH2_TENANT_ID": "contoso.onmicrosoft.com"},
		"apple-id": {"SOCIAL_AUTH_APPLE_ID_TEAM": "T", "SOCIAL_AUTH_APPLE_ID_KEY": "K",
			"SOCIAL_AUTH_APPLE_ID_SECRET": p8},
		"github-enterprise": {"SOCIAL_AUTH_GITHUB_ENTERPRISE_URL": "https://ghe.example.com/",
			"SOCIAL_AUTH_GITHUB_ENTERPRISE_API_URL": "https://ghe.example.com/api/v3/"},
		"github-org":  {"SOCIAL_AUTH_GITHUB_ORG_NAME": "argilla-io"},
		"github-team": {"SOCIAL_AUTH_GITHUB_TEAM_ID": "42"},
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			entry := testProvider{name: name, clientID: "client", clientSecret: "secret"}
			if name == "apple-id" {
				entry.clientSecret = "" // the .p8 key comes from SOCIAL_AUTH_APPLE_ID_SECRET
			}
			p := newProvider(t, entry, settings[name], Options{})
			if p.Name() != name {
				t.Errorf("Name() = %q", p.Name())
			}
		})
	}
}

func TestNewUnsupportedName(t *testing.T) {
	_, err := New(config.Provider{Name: "myspace"}, Options{})
	if err == nil {
		t.Fatal("New accepted an unknown provider")
	}
	for _, fragment := range []string{`"myspace"`, "github-team", "keycloak", "apple-id"} {
		if !strings.Contains(err.Error(), fragment) {
			t.Errorf("error %q does not contain %q", err, fragment)
		}
	}
}

func TestOptionsDefaults(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		timeout time.Duration
		leeway  time.Duration
	}{
		{"zero", Options{}, DefaultHTTPTimeout, DefaultLeeway},
		{"client without time-out", Options{HTTPClient: &http.Client{}}, DefaultHTTPTimeout, DefaultLeeway},
		{"explicit values", Options{HTTPClient: &http.Client{Timeout: time.Second}, Leeway: 5 * time.Second},
			time.Second, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.opts.withDefaults()
			if got.HTTPClient.Timeout != tt.timeout || got.Leeway != tt.leeway || got.Logger == nil {
				t.Errorf("withDefaults = timeout %v, leeway %v, logger %v; expected %v, %v and a logger",
					got.HTTPClient.Timeout, got.Leeway, got.Logger, tt.timeout, tt.leeway)
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	err := &Error{Status: 401, Code: "bad_verification_code", Message: "github rejected the code", Err: errors.New("detail")}
	if got := err.Error(); got != "github rejected the code (bad_verification_code): detail" {
		t.Errorf("Error() = %q", got)
	}
}
