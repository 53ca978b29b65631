package argilla

import (
	"reflect"
	"testing"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

func TestPolicyAccountRoleAndWorkspaces(t *testing.T) {
	cfg := &config.Config{
		OwnerUsername:     "creator",
		AllowedWorkspaces: []string{"default"},
		Providers: []config.Provider{
			{Name: "keycloak", SyncUser: true}, {Name: "github"}, {Name: "google-oauth2"},
		},
		Identity: config.Identity{
			RoleRules: []config.Rule{
				{Source: config.RuleEmailDomain, Value: "example.com", Target: "admin"},
				{Source: config.RuleEmail, Value: "boss@corp.example", Target: "owner"},
				{Source: config.RuleRealmRole, Value: "labellers", Target: "annotator"},
			},
			WorkspaceRules: []config.Rule{
				{Source: config.RuleProvider, Value: "github", Target: "gh"},
				{Source: config.RuleRealmRole, Value: "labellers", Target: "labels"},
			},
		},
	}
	tests := []struct {
		name           string
		identity       Identity
		wantRole       string
		wantOwner      string
		wantWorkspaces []string
		wantSync       bool
	}{
		{
			name:           "default",
			identity:       Identity{Provider: "google-oauth2", Subject: "1", Username: "zoe"},
			wantWorkspaces: []string{"default"},
		},
		{
			name: "keycloak realm roles, highest wins",
			identity: Identity{Provider: "keycloak", Subject: "2", Username: "kai", RealmRoles: []string{
				"argilla_role:annotator", "argilla_role:admin", "argilla_role:bogus",
				"argilla_workspace:w1", "argilla_workspace:w2", "argilla_workspace:",
			}},
			wantRole: "admin", wantOwner: "creator", wantWorkspaces: []string{"w1", "w2"}, wantSync: true,
		},
		{
			name:           "owner rule for unique usernames",
			identity:       Identity{Provider: "keycloak", Subject: "3", Username: "creator"},
			wantOwner:      "creator",
			wantWorkspaces: []string{"default"},
			wantSync:       true,
		},
		{
			name:           "no owner rule for google",
			identity:       Identity{Provider: "google-oauth2", Subject: "4", Username: "creator"},
			wantWorkspaces: []string{"default"},
		},
		{
			name: "verified email domain",
			identity: Identity{Provider: "google-oauth2", Subject: "5", Username: "a",
				Email: "a@EXAMPLE.com", EmailVerified: true},
			wantRole: "admin", wantWorkspaces: []string{"default"},
		},
		{
			name: "unverified email",
			identity: Identity{Provider: "google-oauth2", Subject: "6", Username: "a",
				Email: "a@example.com"},
			wantWorkspaces: []string{"default"},
		},
		{
			name: "subdomain does not match",
			identity: Identity{Provider: "google-oauth2", Subject: "7", Username: "a",
				Email: "a@evil.example.com", EmailVerified: true},
			wantWorkspaces: []string{"default"},
		},
		{
			name: "suffix without dot does not match",
			identity: Identity{Provider: "google-oauth2", Subject: "8", Username: "a",
				Email: "a@badexample.com", EmailVerified: true},
			wantWorkspaces: []string{"default"},
		},
		{
			name: "two at signs",
			identity: Identity{Provider: "google-oauth2", Subject: "9", Username: "a",
				Email: "a@evil.example@example.com", EmailVerified: true},
			wantWorkspaces: []string{"default"},
		},
		{
			name: "email rule over realm role rule",
			identity: Identity{Provider: "keycloak", Subject: "10", Username: "b",
				Email: "Boss@corp.example", EmailVerified: true, RealmRoles: []string{"labellers"}},
			wantRole: "owner", wantOwner: "creator", wantWorkspaces: []string{"labels"}, wantSync: true,
		},
		{
			name:           "provider workspace rule",
			identity:       Identity{Provider: "github", Subject: "11", Username: "c"},
			wantOwner:      "creator",
			wantWorkspaces: []string{"gh"},
		},
	}
	policy := NewPolicy(cfg)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := policy.Account(tt.identity)
			if a.Role != tt.wantRole {
				t.Errorf("Role = %q, want %q", a.Role, tt.wantRole)
			}
			if a.OwnerUsername != tt.wantOwner {
				t.Errorf("OwnerUsername = %q, want %q", a.OwnerUsername, tt.wantOwner)
			}
			if !reflect.DeepEqual(a.Workspaces, tt.wantWorkspaces) {
				t.Errorf("Workspaces = %q, want %q", a.Workspaces, tt.wantWorkspaces)
			}
			if a.Sync != tt.wantSync {
				t.Errorf("Sync = %v, want %v", a.Sync, tt.wantSync)
			}
			if a.Provider != tt.identity.Provider || a.Subject != tt.identity.Subject ||
				a.Username != tt.identity.Username {
				t.Errorf("identity = %s/%s/%s, want %s/%s/%s", a.Provider, a.Subject, a.Username,
					tt.identity.Provider, tt.identity.Subject, tt.identity.Username)
			}
		})
	}
}

func TestPolicyAccountLinks(t *testing.T) {
	cfg := &config.Config{
		OwnerUsername: "creator",
		Providers:     []config.Provider{{Name: "github"}, {Name: "google-oauth2"}},
		Identity: config.Identity{
			UsernameConflict: config.ConflictSuffix,
			Links: []config.IdentityLink{
				{Provider: "google-oauth2", Subject: "77", Username: "creator"},
			},
			LinkByUsername: []string{"github"},
		},
	}
	policy := NewPolicy(cfg)
	tests := []struct {
		name               string
		identity           Identity
		wantLink           string
		wantLinkByUsername bool
		wantOwner          string
	}{
		{"explicit link applies the owner rule",
			Identity{Provider: "google-oauth2", Subject: "77", Username: "someone"}, "creator", false, "creator"},
		{"other subject of the provider",
			Identity{Provider: "google-oauth2", Subject: "78", Username: "creator"}, "", false, ""},
		{"link by username",
			Identity{Provider: "github", Subject: "77", Username: "gh"}, "", true, "creator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := policy.Account(tt.identity)
			if a.Link != tt.wantLink {
				t.Errorf("Link = %q, want %q", a.Link, tt.wantLink)
			}
			if a.LinkByUsername != tt.wantLinkByUsername {
				t.Errorf("LinkByUsername = %v, want %v", a.LinkByUsername, tt.wantLinkByUsername)
			}
			if a.OwnerUsername != tt.wantOwner {
				t.Errorf("OwnerUsername = %q, want %q", a.OwnerUsername, tt.wantOwner)
			}
			if a.Conflict != config.ConflictSuffix {
				t.Errorf("Conflict = %q, want %q", a.Conflict, config.ConflictSuffix)
			}
			if !a.LinkTargets["creator"] {
				t.Error("LinkTargets lacks the explicit link's username")
			}
		})
	}
}

func TestAccountRoleFor(t *testing.T) {
	tests := []struct {
		name     string
		a        Account
		username string
		want     string
	}{
		{"granted role", Account{Role: "admin", OwnerUsername: "creator"}, "creator", "admin"},
		{"owner username", Account{OwnerUsername: "creator"}, "creator", "owner"},
		{"derived username", Account{OwnerUsername: "creator"}, "creator-github-c3f03387", "annotator"},
		{"no owner rule", Account{}, "creator", "annotator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.RoleFor(tt.username); got != tt.want {
				t.Errorf("RoleFor(%q) = %q, want %q", tt.username, got, tt.want)
			}
		})
	}
}
