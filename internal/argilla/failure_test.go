package argilla

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Fault modes of faultProxy.
const (
	faultNone = iota
	// faultDown closes every connection without a response.
	faultDown
	// faultSlow holds every request for faultDelay before forwarding it.
	faultSlow
	// faultUnavailable responds to every request with 503.
	faultUnavailable
	// faultMembership responds with 500 to adding a workspace member and
	// forwards everything else.
	faultMembership
)

const faultDelay = 3 * time.Second

var membershipPath = regexp.MustCompile(`^/api/v1/workspaces/[^/]+/users$`)

// faultProxy is a reverse proxy on 127.0.0.1 in front of the real Argilla
// that fails in the mode set.
type faultProxy struct {
	mode   atomic.Int32
	server *httptest.Server
}

func newFaultProxy(t *testing.T, target *url.URL) *faultProxy {
	t.Helper()
	f := &faultProxy{}
	forward := httputil.NewSingleHostReverseProxy(target)
	f.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch f.mode.Load() {
		case faultDown:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
			return
		case faultSlow:
			select {
			case <-r.Context().Done():
				return
			case <-time.After(faultDelay):
			}
		case faultUnavailable:
			http.Error(w, `{"detail":"unavailable"}`, http.StatusServiceUnavailable)
			return
		case faultMembership:
			if r.Method == http.MethodPost && membershipPath.MatchString(r.URL.Path) {
				http.Error(w, `{"detail":"injected failure"}`, http.StatusInternalServerError)
				return
			}
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(f.server.Close)
	return f
}

func (f *faultProxy) url(t *testing.T) *url.URL {
	t.Helper()
	u, err := url.Parse(f.server.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestProvisionArgillaFailure(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	tests := []struct {
		name        string
		mode        int32
		wantStatus  int
		wantMessage string
	}{
		{"down", faultDown, http.StatusBadGateway, "Argilla could not be reached"},
		{"slow", faultSlow, http.StatusGatewayTimeout, "Argilla did not respond within 1s"},
		{"unavailable", faultUnavailable, http.StatusBadGateway, "with status 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := unique(t)
			a := Account{Provider: "github", Subject: "1100" + u, Username: "ivan-" + u,
				Workspaces: []string{"fail-ws-" + u}}
			s.cleanupIdentity(t, a.Provider, a.Subject)
			s.cleanupWorkspaces(t, a.Workspaces...)
			proxy := newFaultProxy(t, s.base)
			logs := &logBuffer{}
			p := s.provisioner(proxy.url(t), logs)
			p.Timeout = time.Second

			proxy.mode.Store(tt.mode)
			started := time.Now()
			got, err := p.Provision(ctx, a)
			elapsed := time.Since(started)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Provision = %v, %v; want *Error", got, err)
			}
			if e.Status != tt.wantStatus {
				t.Errorf("status = %d, want %d", e.Status, tt.wantStatus)
			}
			if !strings.Contains(e.Message, tt.wantMessage) {
				t.Errorf("message %q does not contain %q", e.Message, tt.wantMessage)
			}
			if e.Rejected {
				t.Error("an Argilla failure is marked as a rejection")
			}
			if elapsed > p.Timeout+time.Second {
				t.Errorf("Provision took %s with a time-out of %s", elapsed, p.Timeout)
			}
			if s.user(t, BindingID(a.Provider, a.Subject)) != nil {
				t.Error("a failed sign-in left an account behind")
			}
			if tt.mode != faultSlow && !strings.Contains(logs.String(), "retrying") {
				t.Errorf("no retry was logged:\n%s", logs.String())
			}

			proxy.mode.Store(faultNone)
			p.Timeout = 0
			user, err := p.Provision(ctx, a)
			if err != nil {
				t.Fatalf("Provision once Argilla is back: %v", err)
			}
			if user.ID != BindingID(a.Provider, a.Subject) {
				t.Errorf("user id = %s, want the BindingID", user.ID)
			}
			checkAudits(t, logs, user.APIKey, s.apiKey)
		})
	}
}

// TestProvisionFailureAfterCreate fails the sign-in after the account was
// created and checks that the next sign-in finishes it.
func TestProvisionFailureAfterCreate(t *testing.T) {
	s := realArgilla(t)
	ctx := context.Background()
	u := unique(t)
	a := Account{Provider: "github", Subject: "1200" + u, Username: "judy-" + u,
		Workspaces: []string{"half-1-" + u, "half-2-" + u}}
	s.cleanupIdentity(t, a.Provider, a.Subject)
	s.cleanupWorkspaces(t, a.Workspaces...)
	proxy := newFaultProxy(t, s.base)
	p := s.provisioner(proxy.url(t), &logBuffer{})

	proxy.mode.Store(faultMembership)
	if _, err := p.Provision(ctx, a); err == nil {
		t.Fatal("Provision succeeded although adding workspace members failed")
	}
	half := s.user(t, BindingID(a.Provider, a.Subject))
	if half == nil || !isPending(half) {
		t.Fatalf("account after the failure = %v, want one marked pending", half)
	}

	proxy.mode.Store(faultNone)
	user, err := p.Provision(ctx, a)
	if err != nil {
		t.Fatalf("Provision once Argilla is back: %v", err)
	}
	if user.LastName != nil {
		t.Errorf("last name = %q, want the pending marker cleared", *user.LastName)
	}
	workspaces := s.workspaceNames(t, user.ID)
	for _, w := range a.Workspaces {
		if !workspaces[w] {
			t.Errorf("user is not in workspace %q; workspaces: %v", w, workspaces)
		}
	}
}

func TestProvisionRejectedAPIKey(t *testing.T) {
	s := realArgilla(t)
	u := unique(t)
	p := NewProvisioner(s.client(s.base, "not-a-valid-key-"+u), s.provisioner(s.base, &logBuffer{}).log)
	a := Account{Provider: "github", Subject: "1300" + u, Username: "k-" + u}
	_, err := p.Provision(context.Background(), a)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Provision error = %v, want *Error", err)
	}
	if !strings.Contains(e.Message, "AUTHPROXY_ARGILLA_API_KEY") {
		t.Errorf("message %q does not name AUTHPROXY_ARGILLA_API_KEY", e.Message)
	}
	if strings.Contains(e.Error(), "not-a-valid-key") {
		t.Error("the error contains the API key")
	}
}
