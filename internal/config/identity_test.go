package config

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// loadIdentity loads a configuration whose OAuth file is file and whose
// environment is env plus the required secrets.
func loadIdentity(t *testing.T, file string, env map[string]string) (*Config, error) {
	t.Helper()
	full := map[string]string{
		"AUTHPROXY_COOKIE_SECRETS":  "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"AUTHPROXY_ARGILLA_API_KEY": "owner.apikey",
		"OAUTH2_GITHUB_CLIENT_ID":   "id", "OAUTH2_GITHUB_CLIENT_SECRET": "secret",
		"OAUTH2_GOOGLE-OAUTH2_CLIENT_ID": "id", "OAUTH2_GOOGLE-OAUTH2_CLIENT_SECRET": "secret",
		"OAUTH2_HUGGINGFACE_CLIENT_ID": "id", "OAUTH2_HUGGINGFACE_CLIENT_SECRET": "secret",
	}
	for k, v := range env {
		full[k] = v
	}
	return Load(Options{
		Env: func(name string) (string, bool) {
			v, ok := full[name]
			return v, ok
		},
		ReadFile: func(path string) ([]byte, error) {
			if path != ".oauth.yaml" {
				return nil, os.ErrNotExist
			}
			return []byte(file), nil
		},
		Stat: func(string) (os.FileInfo, error) { return nil, os.ErrNotExist },
	})
}

const identityProviders = `providers:
  - name: github
  - name: google-oauth2
  - name: huggingface
`

func TestIdentityDefaults(t *testing.T) {
	c, err := loadIdentity(t, identityProviders, nil)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Identity{UsernameConflict: ConflictReject}
	if !reflect.DeepEqual(c.Identity, want) {
		t.Errorf("Identity = %+v, want %+v", c.Identity, want)
	}
}

func TestIdentityValid(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		want Identity
	}{
		{
			name: "environment",
			file: identityProviders,
			env: map[string]string{
				"AUTHPROXY_USERNAME_CONFLICT":         "suffix",
				"AUTHPROXY_IDENTITY_LINKS":            "huggingface:65a1=argilla,\ngithub:42=bob=builder",
				"AUTHPROXY_LINK_EXISTING_BY_USERNAME": "github, huggingface",
				"AUTHPROXY_ROLE_RULES":                "email_domain:example.com=admin",
				"AUTHPROXY_WORKSPACE_RULES":           "provider:github=gh,realm_role:a=b=team",
			},
			want: Identity{
				UsernameConflict: ConflictSuffix,
				Links: []IdentityLink{
					{Provider: "huggingface", Subject: "65a1", Username: "argilla"},
					{Provider: "github", Subject: "42", Username: "bob=builder"},
				},
				LinkByUsername: []string{"github", "huggingface"},
				RoleRules:      []Rule{{Source: RuleEmailDomain, Value: "example.com", Target: "admin"}},
				WorkspaceRules: []Rule{
					{Source: RuleProvider, Value: "github", Target: "gh"},
					{Source: RuleRealmRole, Value: "a=b", Target: "team"},
				},
			},
		},
		{
			name: "file section",
			file: identityProviders + `authproxy:
  username_conflict: suffix
  identity_links:
    - "huggingface:65a1=alice"
  link_existing_by_username: [github]
  role_rules:
    - email:alice@example.com=owner
`,
			want: Identity{
				UsernameConflict: ConflictSuffix,
				Links:            []IdentityLink{{Provider: "huggingface", Subject: "65a1", Username: "alice"}},
				LinkByUsername:   []string{"github"},
				RoleRules:        []Rule{{Source: RuleEmail, Value: "alice@example.com", Target: "owner"}},
			},
		},
		{
			name: "environment over file",
			file: identityProviders + "authproxy:\n  username_conflict: suffix\n",
			env:  map[string]string{"AUTHPROXY_USERNAME_CONFLICT": "reject"},
			want: Identity{UsernameConflict: ConflictReject},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := loadIdentity(t, tt.file, tt.env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !reflect.DeepEqual(c.Identity, tt.want) {
				t.Errorf("Identity = %+v\nwant       %+v", c.Identity, tt.want)
			}
		})
	}
}

func TestIdentityInvalid(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		key     string
		message string
	}{
		{"unknown conflict policy", map[string]string{"AUTHPROXY_USERNAME_CONFLICT": "rename"},
			"username_conflict", "unknown username conflict policy"},
		{"link without subject", map[string]string{"AUTHPROXY_IDENTITY_LINKS": "github=alice"},
			"identity_links", "missing \":\""},
		{"link without username", map[string]string{"AUTHPROXY_IDENTITY_LINKS": "github:42"},
			"identity_links", "missing \"=\""},
		{"link with empty subject", map[string]string{"AUTHPROXY_IDENTITY_LINKS": "github: =alice"},
			"identity_links", "missing subject"},
		{"link to unconfigured provider", map[string]string{"AUTHPROXY_IDENTITY_LINKS": "gitlab:1=alice"},
			"identity_links", "not configured"},
		{"identity linked twice", map[string]string{"AUTHPROXY_IDENTITY_LINKS": "github:1=a,github:1=b"},
			"identity_links", "linked twice"},
		{"link by username for google", map[string]string{"AUTHPROXY_LINK_EXISTING_BY_USERNAME": "google-oauth2"},
			"link_existing_by_username", "not unique"},
		{"link by username for unconfigured provider",
			map[string]string{"AUTHPROXY_LINK_EXISTING_BY_USERNAME": "keycloak"},
			"link_existing_by_username", "not configured"},
		{"unknown role", map[string]string{"AUTHPROXY_ROLE_RULES": "realm_role:x=superuser"},
			"role_rules", "unknown role"},
		{"unknown rule source", map[string]string{"AUTHPROXY_ROLE_RULES": "group:x=admin"},
			"role_rules", "unknown source"},
		{"rule without target", map[string]string{"AUTHPROXY_WORKSPACE_RULES": "realm_role:x="},
			"workspace_rules", "missing target"},
		{"email with two at signs",
			map[string]string{"AUTHPROXY_ROLE_RULES": "email:a@evil.example@example.com=owner"},
			"role_rules", "invalid email"},
		{"email domain with at sign", map[string]string{"AUTHPROXY_ROLE_RULES": "email_domain:@example.com=admin"},
			"role_rules", "invalid email domain"},
		{"provider rule for unconfigured provider",
			map[string]string{"AUTHPROXY_WORKSPACE_RULES": "provider:keycloak=team"},
			"workspace_rules", "not configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadIdentity(t, identityProviders, tt.env)
			var cfgErr *Error
			if !errors.As(err, &cfgErr) {
				t.Fatalf("Load error = %v, want *Error", err)
			}
			if len(cfgErr.Problems) != 1 {
				t.Fatalf("problems = %v, want exactly one", cfgErr.Problems)
			}
			p := cfgErr.Problems[0]
			if p.Key != tt.key {
				t.Errorf("problem key = %q, want %q", p.Key, tt.key)
			}
			if !strings.Contains(p.Message, tt.message) {
				t.Errorf("problem message = %q, want it to contain %q", p.Message, tt.message)
			}
			if p.Fix == "" {
				t.Errorf("problem %q has no fix", p.Message)
			}
		})
	}
}

func TestIdentityUnknownFileKey(t *testing.T) {
	_, err := loadIdentity(t, identityProviders+"authproxy:\n  identity_link: github:1=a\n", nil)
	if err == nil || !strings.Contains(err.Error(), `rename it to "identity_links"`) {
		t.Errorf("Load error = %v, want a suggestion of identity_links", err)
	}
}

func TestIdentityOwnerUsernameWarning(t *testing.T) {
	c, err := loadIdentity(t, identityProviders, map[string]string{"USERNAME": "alice"})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var warnings []string
	for _, w := range c.Warnings {
		if strings.Contains(w.String(), "USERNAME") {
			warnings = append(warnings, w.String())
		}
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "google-oauth2") {
		t.Errorf("USERNAME warnings = %q, want one naming google-oauth2", warnings)
	}
}

func TestUniqueUsernames(t *testing.T) {
	tests := []struct {
		provider string
		want     bool
	}{
		{"huggingface", true},
		{"github", true},
		{"keycloak", true},
		{"google-oauth2", false},
		{"apple-id", false},
		{"oidc", false},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			if got := UniqueUsernames(tt.provider); got != tt.want {
				t.Errorf("UniqueUsernames(%q) = %v, want %v", tt.provider, got, tt.want)
			}
		})
	}
}

func TestDescribeIdentity(t *testing.T) {
	c, err := loadIdentity(t, identityProviders, map[string]string{
		"AUTHPROXY_IDENTITY_LINKS": "github:42=alice",
		"AUTHPROXY_ROLE_RULES":     "realm_role:admins=admin",
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var b strings.Builder
	if err := c.Describe(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"identity_links", "[github:42=alice]", "# env AUTHPROXY_IDENTITY_LINKS",
		"role_rules", "[realm_role:admins=admin]", "username_conflict", "reject",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Describe output lacks %q:\n%s", want, b.String())
		}
	}
}
