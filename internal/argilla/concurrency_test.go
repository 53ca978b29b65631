package argilla

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// replicas is the number of Provisioners, each with a client and transport
// of its own, standing for separate authproxy processes.
const replicas = 3

// signIns is the number of simultaneous sign-ins.
const signIns = 50

func TestProvisionConcurrentSameIdentity(t *testing.T) {
	s := realArgilla(t)
	u := unique(t)
	a := Account{Provider: "keycloak", Subject: "1400" + u, Username: "kim-" + u,
		Workspaces: []string{"race-1-" + u, "race-2-" + u}}
	s.cleanupIdentity(t, a.Provider, a.Subject)
	s.cleanupWorkspaces(t, a.Workspaces...)
	logs := &logBuffer{}
	accounts := make([]Account, signIns)
	for i := range accounts {
		accounts[i] = a
	}
	users, errs := provisionAtOnce(s, logs, accounts)

	want := BindingID(a.Provider, a.Subject)
	for i := range signIns {
		if errs[i] != nil {
			t.Errorf("sign-in %d: %v", i, errs[i])
			continue
		}
		if users[i].ID != want {
			t.Errorf("sign-in %d got user %s, want %s", i, users[i].ID, want)
		}
	}
	if n := len(s.usersNamed(t, a.Username)); n != 1 {
		t.Errorf("%d users named %q, want 1", n, a.Username)
	}
	if n := len(logs.audits(t, "created")); n != 1 {
		t.Errorf("%d 'account created' lines, want 1", n)
	}
	stored := s.user(t, want)
	if stored == nil || stored.LastName != nil {
		t.Errorf("stored account = %v, want one with no pending marker", stored)
	}
	workspaces := s.workspaceNames(t, want)
	for _, w := range a.Workspaces {
		if !workspaces[w] {
			t.Errorf("user is not in workspace %q; workspaces: %v", w, workspaces)
		}
	}
	if stored != nil {
		checkAudits(t, logs, stored.APIKey, s.apiKey)
	}
}

func TestProvisionConcurrentIdentities(t *testing.T) {
	s := realArgilla(t)
	u := unique(t)
	workspaces := []string{"crowd-" + u}
	s.cleanupWorkspaces(t, workspaces...)
	logs := &logBuffer{}
	accounts := make([]Account, signIns)
	for i := range accounts {
		accounts[i] = Account{Provider: "github", Subject: fmt.Sprintf("15%02d%s", i, u),
			Username: fmt.Sprintf("crowd-%02d-%s", i, u), Workspaces: workspaces}
		s.cleanupIdentity(t, accounts[i].Provider, accounts[i].Subject)
	}

	users, errs := provisionAtOnce(s, logs, accounts)

	seen := map[string]bool{}
	for i, a := range accounts {
		if errs[i] != nil {
			t.Errorf("sign-in %d: %v", i, errs[i])
			continue
		}
		if users[i].ID != BindingID(a.Provider, a.Subject) || users[i].Username != a.Username {
			t.Errorf("sign-in %d got %v, want %s %q", i, users[i], BindingID(a.Provider, a.Subject), a.Username)
		}
		seen[users[i].ID] = true
		if !s.workspaceNames(t, users[i].ID)[workspaces[0]] {
			t.Errorf("user %q is not in workspace %q", a.Username, workspaces[0])
		}
	}
	if len(seen) != signIns {
		t.Errorf("%d distinct accounts, want %d", len(seen), signIns)
	}
	if n := len(logs.audits(t, "created")); n != signIns {
		t.Errorf("%d 'account created' lines, want %d", n, signIns)
	}
}

// provisionAtOnce provisions every account at the same moment, spread over
// replicas Provisioners that log to logs, as that many proxy processes
// would. It returns each sign-in's user and error.
func provisionAtOnce(s *stack, logs *logBuffer, accounts []Account) ([]*User, []error) {
	provisioners := make([]*Provisioner, replicas)
	for i := range provisioners {
		provisioners[i] = s.provisioner(s.base, logs)
	}

	users := make([]*User, len(accounts))
	errs := make([]error, len(accounts))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, a := range accounts {
		wg.Go(func() {
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			users[i], errs[i] = provisioners[i%replicas].Provision(ctx, a)
		})
	}
	close(start)
	wg.Wait()
	return users, errs
}
