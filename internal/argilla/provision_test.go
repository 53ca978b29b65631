package argilla

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

func TestProvisionCreatesBoundAccount(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	u := unique(t)
	a := Account{Provider: "github", Subject: "100" + u, Username: "alice-" + u, FirstName: "Alice",
		Workspaces: []string{"ws-a-" + u, "ws-b-" + u}}
	s.cleanupIdentity(t, a.Provider, a.Subject)
	s.cleanupWorkspaces(t, a.Workspaces...)
	logs := &logBuffer{}

	first, err := s.provisioner(s.base, logs).Provision(ctx, a)
	if err != nil {
		t.Fatalf("first Provision: %v", err)
	}
	if first.ID != BindingID(a.Provider, a.Subject) {
		t.Errorf("user id = %s, want BindingID %s", first.ID, BindingID(a.Provider, a.Subject))
	}
	if first.Username != a.Username {
		t.Errorf("username = %q, want %q", first.Username, a.Username)
	}
	if first.Role != "annotator" {
		t.Errorf("role = %q, want annotator", first.Role)
	}
	if first.LastName != nil {
		t.Errorf("last name = %q, want none once provisioning finished", *first.LastName)
	}
	workspaces := s.workspaceNames(t, first.ID)
	for _, w := range a.Workspaces {
		if !workspaces[w] {
			t.Errorf("user is not in workspace %q; workspaces: %v", w, workspaces)
		}
	}

	// A new Provisioner stands for a restarted process or another replica:
	// nothing but Argilla carries the binding.
	again, err := s.provisioner(s.base, logs).Provision(ctx, a)
	if err != nil {
		t.Fatalf("second Provision: %v", err)
	}
	if again.ID != first.ID {
		t.Errorf("second sign-in got user %s, want %s", again.ID, first.ID)
	}
	if again.APIKey != first.APIKey {
		t.Error("second sign-in got another API key")
	}
	if n := len(s.usersNamed(t, a.Username)); n != 1 {
		t.Errorf("%d users named %q, want 1", n, a.Username)
	}
	if n := len(logs.audits(t, "created")); n != 1 {
		t.Errorf("%d 'account created' lines, want 1", n)
	}
	checkAudits(t, logs, first.APIKey, s.apiKey)
}

func TestProvisionIdentityRenamedKeepsAccount(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	u := unique(t)
	a := Account{Provider: "github", Subject: "200" + u, Username: "carol-" + u}
	s.cleanupIdentity(t, a.Provider, a.Subject)
	p := s.provisioner(s.base, &logBuffer{})

	first, err := p.Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision as %q: %v", a.Username, err)
	}
	a.Username = "carol-renamed-" + u
	renamed, err := p.Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision as %q: %v", a.Username, err)
	}
	if renamed.ID != first.ID {
		t.Errorf("renamed identity got user %s, want %s", renamed.ID, first.ID)
	}
	if renamed.Username != first.Username {
		t.Errorf("username = %q, want %q kept", renamed.Username, first.Username)
	}
}

// TestProvisionUsernameOfAnotherIdentity signs in a first identity, then
// a second identity with the same username.
func TestProvisionUsernameOfAnotherIdentity(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	tests := []struct {
		name          string
		first, second Account
		// firstRename is the username the first identity has at the
		// provider before the second signs in; "" for none.
		firstRename string
	}{
		{
			name:   "another provider",
			first:  Account{Provider: "github", Subject: "300", Username: "dave"},
			second: Account{Provider: "huggingface", Subject: "65f0c0ffee", Username: "dave"},
		},
		{
			name:   "google local part in another domain",
			first:  Account{Provider: "google-oauth2", Subject: "1111", Username: "alice"},
			second: Account{Provider: "google-oauth2", Subject: "2222", Username: "alice"},
		},
		{
			name:        "username freed by a rename",
			first:       Account{Provider: "github", Subject: "400", Username: "erin"},
			firstRename: "erin-new",
			second:      Account{Provider: "github", Subject: "401", Username: "erin"},
		},
	}
	for _, tt := range tests {
		for _, conflict := range []string{config.ConflictReject, config.ConflictSuffix} {
			t.Run(tt.name+"/"+conflict, func(t *testing.T) {
				u := unique(t)
				first, second := tt.first, tt.second
				first.Subject += u
				second.Subject += u
				first.Username += "-" + u
				second.Username += "-" + u
				first.Conflict, second.Conflict = conflict, conflict
				s.cleanupIdentity(t, first.Provider, first.Subject)
				s.cleanupIdentity(t, second.Provider, second.Subject)
				logs := &logBuffer{}
				p := s.provisioner(s.base, logs)

				owner, err := p.Provision(ctx, first)
				if err != nil {
					t.Fatalf("Provision first: %v", err)
				}
				if tt.firstRename != "" {
					first.Username = tt.firstRename + "-" + u
					if _, err := p.Provision(ctx, first); err != nil {
						t.Fatalf("Provision first after rename: %v", err)
					}
				}

				got, err := p.Provision(ctx, second)
				if conflict == config.ConflictReject {
					var e *Error
					if !errors.As(err, &e) {
						t.Fatalf("Provision second = %v, %v; want *Error", got, err)
					}
					if !errors.Is(err, ErrUsernameTaken) {
						t.Errorf("error = %v, want ErrUsernameTaken", err)
					}
					if e.Status != http.StatusConflict || !e.Rejected {
						t.Errorf("status %d, rejected %v; want 409, true", e.Status, e.Rejected)
					}
					if !strings.Contains(e.Message, second.Username) {
						t.Errorf("message %q does not name username %q", e.Message, second.Username)
					}
					if n := len(logs.audits(t, "rejected")); n != 1 {
						t.Errorf("%d 'account rejected' lines, want 1", n)
					}
				} else {
					if err != nil {
						t.Fatalf("Provision second: %v", err)
					}
					want := DerivedUsername(second.Provider, second.Subject, second.Username)
					if got.Username != want {
						t.Errorf("username = %q, want %q", got.Username, want)
					}
					if got.ID != BindingID(second.Provider, second.Subject) {
						t.Errorf("user id = %s, want the second identity's BindingID", got.ID)
					}
					again, err := s.provisioner(s.base, logs).Provision(ctx, second)
					if err != nil {
						t.Fatalf("Provision second again: %v", err)
					}
					if again.ID != got.ID || again.Username != got.Username {
						t.Errorf("second sign-in got %s %q, want %s %q", again.ID, again.Username, got.ID, got.Username)
					}
				}

				kept := s.user(t, owner.ID)
				if kept == nil || kept.APIKey != owner.APIKey || kept.Username != owner.Username {
					t.Errorf("first identity's account changed: %+v", kept)
				}
				checkAudits(t, logs, owner.APIKey, s.apiKey)
			})
		}
	}
}

func TestProvisionPreExistingAccount(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	u := unique(t)
	annotator := s.createUser(t, "bob-"+u, "annotator", "")
	withLastName := s.createUser(t, "bea-"+u, "annotator", "Smith")
	owner := s.createUser(t, "owner-"+u, "owner", "")
	reserved := s.createUser(t, "res-"+u, "annotator", "")

	tests := []struct {
		name string
		a    Account
		// wantUser is the id of the expected account, "" when rejected.
		wantUser string
		wantErr  error
	}{
		{"default owner by default",
			Account{Provider: "github", Subject: "500" + u, Username: s.owner}, "", ErrNotLinked},
		{"default owner by username",
			Account{Provider: "github", Subject: "501" + u, Username: s.owner, LinkByUsername: true},
			"", ErrNotLinked},
		{"hand-made account by default",
			Account{Provider: "github", Subject: "502" + u, Username: annotator.Username}, "", ErrNotLinked},
		{"owner account by username",
			Account{Provider: "huggingface", Subject: "503" + u, Username: owner.Username, LinkByUsername: true},
			"", ErrNotLinked},
		{"account with last name by username",
			Account{Provider: "github", Subject: "504" + u, Username: withLastName.Username, LinkByUsername: true},
			"", ErrNotLinked},
		{"link target by username",
			Account{Provider: "github", Subject: "505" + u, Username: reserved.Username, LinkByUsername: true,
				LinkTargets: map[string]bool{reserved.Username: true}}, "", ErrNotLinked},
		{"owner by explicit link",
			Account{Provider: "huggingface", Subject: "506" + u, Username: "someone-" + u, Link: owner.Username},
			owner.ID, nil},
		{"explicit link to a missing account",
			Account{Provider: "github", Subject: "507" + u, Username: "x-" + u, Link: "missing-" + u},
			"", ErrLinkTargetMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.cleanupIdentity(t, tt.a.Provider, tt.a.Subject)
			logs := &logBuffer{}
			got, err := s.provisioner(s.base, logs).Provision(ctx, tt.a)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Provision = %v, %v; want error %v", got, err, tt.wantErr)
				}
				if s.user(t, BindingID(tt.a.Provider, tt.a.Subject)) != nil {
					t.Error("a rejected sign-in created an account")
				}
				rejected := logs.audits(t, "rejected")
				if len(rejected) != 1 {
					t.Fatalf("%d 'account rejected' lines, want 1", len(rejected))
				}
				if tt.wantErr == ErrNotLinked {
					entry := tt.a.Provider + ":" + tt.a.Subject + "=" + tt.a.Username
					if fix, _ := rejected[0]["fix"].(string); !strings.Contains(fix, entry) {
						t.Errorf("log fix %q does not name the link entry %q", fix, entry)
					}
				}
				checkAudits(t, logs, s.apiKey)
				return
			}
			if err != nil {
				t.Fatalf("Provision: %v", err)
			}
			if got.ID != tt.wantUser {
				t.Errorf("user id = %s, want %s", got.ID, tt.wantUser)
			}
			if n := len(logs.audits(t, "linked")); n != 1 {
				t.Errorf("%d 'account linked' lines, want 1", n)
			}
			checkAudits(t, logs, got.APIKey, s.apiKey)
		})
	}

	if u := s.usersNamed(t, s.owner); len(u) != 1 || u[0].LastName != nil || u[0].Role != "owner" {
		t.Errorf("default owner account changed: %+v", u)
	}
}

// TestProvisionLinkByUsername follows one pre-existing account from its
// link by username to later sign-ins.
func TestProvisionLinkByUsername(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	u := unique(t)
	existing := s.createUser(t, "frank-"+u, "admin", "")
	a := Account{Provider: "github", Subject: "600" + u, Username: existing.Username, LinkByUsername: true}
	intruder := Account{Provider: "github", Subject: "601" + u, Username: existing.Username,
		LinkByUsername: true}
	s.cleanupIdentity(t, intruder.Provider, intruder.Subject)
	logs := &logBuffer{}
	p := s.provisioner(s.base, logs)

	linked, err := p.Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	if linked.ID != existing.ID {
		t.Fatalf("user id = %s, want the existing account %s", linked.ID, existing.ID)
	}
	if linked.Role != "admin" {
		t.Errorf("role = %q, want admin kept", linked.Role)
	}
	if linked.LastName == nil || *linked.LastName != linkMarker(BindingID(a.Provider, a.Subject)) {
		t.Errorf("last name = %v, want the link marker", linked.LastName)
	}

	// The username now belongs to another GitHub account, as after a
	// rename: the marker keeps the account bound to the first identity.
	_, err = p.Provision(ctx, intruder)
	if !errors.Is(err, ErrUsernameTaken) {
		t.Errorf("intruder Provision error = %v, want ErrUsernameTaken", err)
	}

	a.LinkByUsername = false
	rename := map[string]any{"username": "frank-renamed-" + u}
	if _, err := s.admin.updateUser(ctx, existing.ID, rename); err != nil {
		t.Fatalf("rename user: %v", err)
	}
	again, err := p.Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision after rename and opt-out: %v", err)
	}
	if again.ID != existing.ID {
		t.Errorf("user id = %s, want %s", again.ID, existing.ID)
	}
	if n := len(logs.audits(t, "linked")); n != 1 {
		t.Errorf("%d 'account linked' lines, want 1", n)
	}
	if n := len(logs.audits(t, "rejected")); n != 1 {
		t.Errorf("%d 'account rejected' lines, want 1", n)
	}
	checkAudits(t, logs, linked.APIKey, s.apiKey)
}

// TestProvisionOwnerUsername checks Argilla's USERNAME rule through the
// policy built from a configuration.
func TestProvisionOwnerUsername(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		provider string
		// taken creates a pre-existing account with the username first.
		taken    bool
		conflict string
		wantRole string
		wantErr  error
	}{
		{"unique usernames", "huggingface", false, config.ConflictReject, "owner", nil},
		{"google", "google-oauth2", false, config.ConflictReject, "annotator", nil},
		{"pre-existing account", "huggingface", true, config.ConflictReject, "", ErrNotLinked},
		{"derived username", "huggingface", true, config.ConflictSuffix, "annotator", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := unique(t)
			creator := "creator-" + u
			if tt.taken {
				s.createUser(t, creator, "owner", "")
			}
			policy := NewPolicy(&config.Config{
				OwnerUsername: creator,
				Providers:     []config.Provider{{Name: tt.provider}},
				Identity:      config.Identity{UsernameConflict: tt.conflict},
			})
			a := policy.Account(Identity{Provider: tt.provider, Subject: "700" + u, Username: creator})
			s.cleanupIdentity(t, a.Provider, a.Subject)

			got, err := s.provisioner(s.base, &logBuffer{}).Provision(ctx, a)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Provision = %v, %v; want error %v", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Provision: %v", err)
			}
			if got.Role != tt.wantRole {
				t.Errorf("role = %q, want %q", got.Role, tt.wantRole)
			}
		})
	}
}

func TestProvisionSync(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	u := unique(t)
	ws1, ws2, ws3 := "sync-1-"+u, "sync-2-"+u, "sync-3-"+u
	a := Account{Provider: "keycloak", Subject: "800" + u, Username: "gina-" + u, Workspaces: []string{ws1, ws2}}
	s.cleanupIdentity(t, a.Provider, a.Subject)
	s.cleanupWorkspaces(t, ws1, ws2, ws3)
	logs := &logBuffer{}
	p := s.provisioner(s.base, logs)
	created, err := p.Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}

	a.Role, a.Workspaces = "admin", []string{ws2, ws3}
	unchanged, err := p.Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision without sync: %v", err)
	}
	if unchanged.Role != "annotator" {
		t.Errorf("without sync: role = %q, want annotator", unchanged.Role)
	}
	if got := s.workspaceNames(t, created.ID); !got[ws1] || !got[ws2] || got[ws3] {
		t.Errorf("without sync: workspaces = %v, want %s and %s", got, ws1, ws2)
	}

	a.Sync = true
	synced, err := p.Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision with sync: %v", err)
	}
	if synced.Role != "admin" {
		t.Errorf("with sync: role = %q, want admin", synced.Role)
	}
	if got := s.workspaceNames(t, created.ID); got[ws1] || !got[ws2] || !got[ws3] {
		t.Errorf("with sync: workspaces = %v, want %s and %s", got, ws2, ws3)
	}
	changed := logs.audits(t, "changed")
	reasons := map[string]bool{}
	for _, r := range changed {
		reasons[r["reason"].(string)] = true
	}
	for _, want := range []string{
		"role synchronised (sync_user)", "workspace membership added (sync_user)",
		"workspace membership removed (sync_user)",
	} {
		if !reasons[want] {
			t.Errorf("no 'account changed' line with reason %q; lines: %v", want, changed)
		}
	}
	if len(changed) != 3 {
		t.Errorf("%d 'account changed' lines, want 3", len(changed))
	}
	checkAudits(t, logs, created.APIKey, s.apiKey)
}

// TestProvisionSyncKeepsLinkedOwner checks that sync_user does not demote an
// owner account that authproxy did not create.
func TestProvisionSyncKeepsLinkedOwner(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	u := unique(t)
	owner := s.createUser(t, "boss-"+u, "owner", "")
	a := Account{Provider: "keycloak", Subject: "900" + u, Username: "boss-" + u, Link: owner.Username,
		Sync: true, Workspaces: []string{"boss-ws-" + u}}
	s.cleanupWorkspaces(t, a.Workspaces...)

	got, err := s.provisioner(s.base, &logBuffer{}).Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	if got.Role != "owner" {
		t.Errorf("role = %q, want owner kept", got.Role)
	}
	if role := s.user(t, owner.ID).Role; role != "owner" {
		t.Errorf("stored role = %q, want owner", role)
	}
}

func TestProvisionDeletedUser(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	u := unique(t)
	a := Account{Provider: "github", Subject: "1000" + u, Username: "hank-" + u}
	s.cleanupIdentity(t, a.Provider, a.Subject)
	p := s.provisioner(s.base, &logBuffer{})

	first, err := p.Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	if _, err := s.client(s.base, first.APIKey).Me(ctx); err != nil {
		t.Fatalf("Me with the new account's API key: %v", err)
	}
	if err := s.admin.DeleteUser(ctx, first.ID); err != nil {
		t.Fatalf("delete user: %v", err)
	}
	// authproxy's forwarder ends the session on this 401.
	if _, err := s.client(s.base, first.APIKey).Me(ctx); !IsStatus(err, http.StatusUnauthorized) {
		t.Errorf("Me with a deleted user's API key = %v, want status 401", err)
	}

	again, err := p.Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision after delete: %v", err)
	}
	if again.ID != first.ID {
		t.Errorf("user id = %s, want %s again", again.ID, first.ID)
	}
	if again.APIKey == first.APIKey {
		t.Error("the recreated account has the deleted account's API key")
	}
}
