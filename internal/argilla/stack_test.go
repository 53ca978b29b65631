package argilla

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests that need a real argilla-server read it from these variables,
// which scripts/test exports after starting one:
//
//	E2E_ARGILLA_URL      base URL, e.g. http://127.0.0.1:6900
//	E2E_ARGILLA_API_KEY  API key of an owner
//	E2E_ARGILLA_OWNER    username of that owner (default "argilla")
//
// Without them these tests are skipped, unless E2E_REQUIRED=1, which makes
// them fail.

// stack is a real argilla-server reached with an owner's API key.
type stack struct {
	base   *url.URL
	apiKey string
	owner  string
	// admin is a client of its own for the test's checks.
	admin *Client
}

func realArgilla(t *testing.T) *stack {
	t.Helper()
	raw, apiKey := os.Getenv("E2E_ARGILLA_URL"), os.Getenv("E2E_ARGILLA_API_KEY")
	if raw == "" || apiKey == "" {
		if os.Getenv("E2E_REQUIRED") == "1" {
			t.Fatal("E2E_REQUIRED=1 but E2E_ARGILLA_URL or E2E_ARGILLA_API_KEY is not set; " +
				"run the tests through scripts/test, which starts argilla-server")
		}
		t.Skip("E2E_ARGILLA_URL and E2E_ARGILLA_API_KEY are not set; scripts/test sets them")
	}
	base, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("E2E_ARGILLA_URL=%q: %v", raw, err)
	}
	owner := os.Getenv("E2E_ARGILLA_OWNER")
	if owner == "" {
		owner = "argilla"
	}
	s := &stack{base: base, apiKey: apiKey, owner: owner}
	// The checks wait longer than a provisioner would, because a burst of
	// sign-ins can keep Argilla busy for tens of seconds.
	s.admin = NewClient(base, apiKey, &http.Client{Timeout: 2 * time.Minute})
	if _, err := s.admin.Me(context.Background()); err != nil {
		t.Fatalf("argilla-server at %s is not usable with E2E_ARGILLA_API_KEY: %v", raw, err)
	}
	return s
}

// client returns a client with a transport of its own and the time-out
// that cmd/authproxy uses, as a separate authproxy process would have.
func (s *stack) client(base *url.URL, apiKey string) *Client {
	return NewClient(base, apiKey, &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}})
}

// provisioner returns a provisioner for base (the real Argilla or a fault
// proxy in front of it) whose log lines go to logs.
func (s *stack) provisioner(base *url.URL, logs *logBuffer) *Provisioner {
	p := NewProvisioner(s.client(base, s.apiKey), slog.New(slog.NewJSONHandler(logs, nil)))
	p.RetryDelay = 20 * time.Millisecond
	return p
}

// user returns the user with id, or nil when there is none.
func (s *stack) user(t *testing.T, id string) *User {
	t.Helper()
	u, err := s.admin.GetUser(context.Background(), id)
	if IsStatus(err, http.StatusNotFound) {
		return nil
	}
	if err != nil {
		t.Fatalf("get user %s: %v", id, err)
	}
	return u
}

// usersNamed returns every user whose username is username.
func (s *stack) usersNamed(t *testing.T, username string) []User {
	t.Helper()
	users, err := s.admin.ListUsers(context.Background())
	if err != nil {
		t.Fatalf("list users: %v", err)
	}
	var named []User
	for _, u := range users {
		if u.Username == username {
			named = append(named, u)
		}
	}
	return named
}

// workspaceNames returns the set of names of user id's workspaces.
func (s *stack) workspaceNames(t *testing.T, id string) map[string]bool {
	t.Helper()
	list, err := s.admin.ListUserWorkspaces(context.Background(), id)
	if err != nil {
		t.Fatalf("list workspaces of user %s: %v", id, err)
	}
	names := map[string]bool{}
	for _, w := range list {
		names[w.Name] = true
	}
	return names
}

// createUser creates a user as an owner would by hand, with a random id.
func (s *stack) createUser(t *testing.T, username, role, lastName string) *User {
	t.Helper()
	u, err := s.admin.CreateUser(context.Background(), NewUser{
		Username: username, FirstName: "Hand", LastName: lastName, Role: role, Password: randomPassword(),
	})
	if err != nil {
		t.Fatalf("create user %q: %v", username, err)
	}
	t.Cleanup(func() { _ = s.admin.DeleteUser(context.Background(), u.ID) })
	return u
}

// cleanupIdentity deletes the account bound to (provider, subject) when
// the test ends.
func (s *stack) cleanupIdentity(t *testing.T, provider, subject string) {
	t.Cleanup(func() { _ = s.admin.DeleteUser(context.Background(), BindingID(provider, subject)) })
}

// cleanupWorkspaces deletes the workspaces named when the test ends.
func (s *stack) cleanupWorkspaces(t *testing.T, names ...string) {
	t.Cleanup(func() {
		ctx := context.Background()
		list, err := s.admin.ListWorkspaces(ctx)
		if err != nil {
			t.Logf("list workspaces for clean-up: %v", err)
			return
		}
		for _, w := range list {
			for _, name := range names {
				if w.Name == name {
					_ = s.admin.do(ctx, http.MethodDelete, "api/v1/workspaces/"+w.ID, nil, nil)
				}
			}
		}
	})
}

// unique returns a random suffix that keeps one test's users and
// workspaces apart from those of other tests and runs.
func unique(t *testing.T) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// logBuffer collects JSON log lines from concurrent writers.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// records returns the decoded log lines.
func (l *logBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var list []map[string]any
	scanner := bufio.NewScanner(strings.NewReader(l.String()))
	scanner.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for scanner.Scan() {
		var record map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &record); err != nil {
			t.Fatalf("log line %q is not JSON: %v", scanner.Text(), err)
		}
		list = append(list, record)
	}
	return list
}

// audits returns the audit lines of action ("created", "linked",
// "rejected" or "changed").
func (l *logBuffer) audits(t *testing.T, action string) []map[string]any {
	t.Helper()
	var list []map[string]any
	for _, r := range l.records(t) {
		if r["msg"] == "account "+action {
			list = append(list, r)
		}
	}
	return list
}

// checkAudits fails the test unless every audit line names the provider,
// subject, user and reason, and no log line contains a secret.
func checkAudits(t *testing.T, logs *logBuffer, secrets ...string) {
	t.Helper()
	for _, r := range logs.records(t) {
		if msg, _ := r["msg"].(string); strings.HasPrefix(msg, "account ") {
			for _, key := range []string{"provider", "subject", "user", "reason", "action"} {
				if v, _ := r[key].(string); v == "" {
					t.Errorf("audit line %v has no %s", r, key)
				}
			}
		}
	}
	text := logs.String()
	for _, secret := range secrets {
		if secret != "" && strings.Contains(text, secret) {
			t.Errorf("log contains a secret (%d characters)", len(secret))
		}
	}
	for _, word := range []string{"api_key", "password"} {
		if strings.Contains(text, word) {
			t.Errorf("log contains %q", word)
		}
	}
}
