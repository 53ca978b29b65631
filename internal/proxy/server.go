// Package proxy serves Argilla's OAuth endpoints, issues sessions and
// forwards every other request to Argilla, as the signed-in user when the
// request carries a valid session.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"path"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/argilla-authproxy/authproxy/internal/argilla"
	"github.com/argilla-authproxy/authproxy/internal/config"
	"github.com/argilla-authproxy/authproxy/internal/providers"
	"github.com/argilla-authproxy/authproxy/internal/session"
)

// FlowTTL is how long a login may take from the redirect to the provider
// to the access-token request.
const FlowTTL = 10 * time.Minute

// maxPendingStates bounds the memory used to reject replayed flow cookies.
const maxPendingStates = 100_000

// Provisioner creates or finds the Argilla account for a sign-in.
type Provisioner interface {
	Provision(ctx context.Context, a argilla.Account) (*argilla.User, error)
	EnsureWorkspaces(ctx context.Context, names []string) ([]argilla.Workspace, error)
}

// Server is the HTTP handler of one authproxy process.
type Server struct {
	cfg         *config.Config
	keys        *session.Keys
	providers   map[string]providers.Provider
	order       []string
	provisioner Provisioner
	policy      *argilla.Policy
	usedStates  *session.UsedStates
	forward     *httputil.ReverseProxy
	log         *slog.Logger
	now         func() time.Time
	ready       atomic.Bool
	handler     http.Handler
	metrics     *Metrics
}

// UseMetrics makes s count logins and forwarded requests in m. Call it
// before serving.
func (s *Server) UseMetrics(m *Metrics) {
	s.metrics = m
}

// New returns a Server. Start begins the background start-up work.
func New(cfg *config.Config, keys *session.Keys, list []providers.Provider, p Provisioner, log *slog.Logger) *Server {
	s := &Server{
		cfg:         cfg,
		keys:        keys,
		providers:   map[string]providers.Provider{},
		provisioner: p,
		policy:      argilla.NewPolicy(cfg),
		usedStates:  session.NewUsedStates(maxPendingStates),
		log:         log,
		now:         time.Now,
	}
	for _, provider := range list {
		s.providers[provider.Name()] = provider
		s.order = append(s.order, provider.Name())
	}
	s.forward = s.newReverseProxy()
	s.handler = s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.requestID, s.recoverPanic, routeOnDecodedPath)

	base := strings.TrimSuffix(s.cfg.BasePath, "/")
	r.Get(base+"/authproxy/ping", s.handlePing)
	r.Get(base+"/authproxy/ready", s.handleReady)
	r.Get(base+"/authproxy/sign-out", s.handleSignOut)
	r.Post(base+"/authproxy/sign-out", s.handleSignOut)

	r.Get(base+"/api/v1/oauth2/providers", s.handleProviders)
	r.Get(base+"/api/v1/oauth2/providers/{provider}/authentication", s.handleAuthentication)
	r.Get(base+"/api/v1/oauth2/providers/{provider}/access-token", s.handleAccessToken)
	r.Post(base+"/oauth/{provider}/callback", s.handleFormPostCallback)

	r.NotFound(s.handleForward)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		if s.ownsPath(r) {
			writeDetail(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		s.handleForward(w, r)
	})
	return r
}

// routeOnDecodedPath makes the router match the percent-decoded, cleaned
// path. chi matches the encoded path by default, but Argilla's server
// decodes it, so /api/v1/%6fauth2/... would otherwise pass the proxy's own
// OAuth routes and reach Argilla's.
func routeOnDecodedPath(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rctx := chi.RouteContext(r.Context()); rctx != nil {
			rctx.RoutePath = cleanPath(r.URL.Path)
		}
		next.ServeHTTP(w, r)
	})
}

// cleanPath returns p, decoded already by net/http, with dot segments and
// repeated slashes removed.
func cleanPath(p string) string {
	return path.Clean("/" + p)
}

// ownsPath reports whether r's path belongs to the proxy: Argilla's OAuth
// endpoints and the proxy's own. Such a path is never forwarded, whatever
// its spelling, so that Argilla's built-in OAuth cannot be reached through
// the proxy even when Argilla has it configured.
func (s *Server) ownsPath(r *http.Request) bool {
	p := cleanPath(r.URL.Path) + "/"
	base := strings.TrimSuffix(s.cfg.BasePath, "/")
	return strings.HasPrefix(p, base+"/api/v1/oauth2/") || strings.HasPrefix(p, base+"/authproxy/")
}

// Start creates the allowed workspaces and reads every provider's discovery
// document, retrying with backoff until each succeeds or ctx ends. The
// readiness endpoint returns 200 from then on. A mistake that no retry can
// fix, such as an issuer that differs from the configured one, is sent on
// the channel Start returns, and the caller should stop.
func (s *Server) Start(ctx context.Context) <-chan error {
	fatal := make(chan error, 1)
	go func() {
		if !s.cfg.Enabled {
			s.ready.Store(true)
			return
		}
		retry(ctx, s.log, "create allowed workspaces", func(ctx context.Context) error {
			_, err := s.provisioner.EnsureWorkspaces(ctx, s.cfg.AllowedWorkspaces)
			switch {
			case argilla.IsStatus(err, http.StatusUnauthorized):
				// The key may be changed in Argilla while the proxy waits,
				// so this is retried, but logged as an error.
				s.log.Error("Argilla rejected the owner API key; set AUTHPROXY_ARGILLA_API_KEY to the api_key of an Argilla owner",
					slog.Any("error", err))
			case argilla.IsStatus(err, http.StatusForbidden):
				s.log.Error("the owner API key belongs to a user who is not an Argilla owner; provisioning needs an owner's key",
					slog.Any("error", err))
			}
			return err
		})
		for _, name := range s.order {
			provider := s.providers[name]
			err := retry(ctx, s.log.With(slog.String("provider", name)), "read provider discovery", func(ctx context.Context) error {
				err := provider.Check(ctx)
				if errors.Is(err, providers.ErrIssuerMismatch) {
					return permanent{err}
				}
				return err
			})
			if err != nil {
				fatal <- fmt.Errorf("provider %s: %w", name, err)
				return
			}
		}
		if ctx.Err() == nil {
			s.ready.Store(true)
			s.log.Info("ready", slog.Any("workspaces", s.cfg.AllowedWorkspaces), slog.Any("providers", s.order))
		}
	}()
	return fatal
}

// permanent marks an error that retry must not retry.
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// retry calls step until it succeeds or ctx ends, waiting 0.5 s, 1 s, 2 s
// and so on up to 30 s between attempts, and logs each failure. It returns
// the error of a step that failed with a permanent error, and nil otherwise.
func retry(ctx context.Context, log *slog.Logger, what string, step func(context.Context) error) error {
	delay := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := step(attemptCtx)
		cancel()
		if err == nil {
			return nil
		}
		var stop permanent
		if errors.As(err, &stop) {
			return stop.error
		}
		log.Warn(what+" failed; retrying", slog.Int("attempt", attempt),
			slog.Duration("retry_in", delay), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
		delay = min(delay*2, 30*time.Second)
	}
}

func (s *Server) handlePing(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("OK\n"))
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !s.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("starting: waiting for Argilla and the identity providers\n"))
		return
	}
	_, _ = w.Write([]byte("OK\n"))
}
