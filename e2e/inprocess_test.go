package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/argilla-authproxy/authproxy/internal/argilla"
	"github.com/argilla-authproxy/authproxy/internal/config"
	"github.com/argilla-authproxy/authproxy/internal/providers"
	authproxy "github.com/argilla-authproxy/authproxy/internal/proxy"
	"github.com/argilla-authproxy/authproxy/internal/session"
)

// inProcessProxy is authproxy wired as cmd/authproxy wires it, but served
// from the test process. Tests use it for providers whose hosts are fixed,
// such as Apple, because only a test can point those at a local fake.
type inProcessProxy struct {
	// Origin is http://localhost:<port>, for the browser.
	Origin string
	// DirectURL is http://127.0.0.1:<port>, for Go HTTP clients.
	DirectURL string

	recorder *requestRecorder
}

// startInProcessProxy loads the configuration from oauthFile and env as
// the authproxy command does, with the stack's Argilla as the upstream. It
// replaces the fixed provider hosts by the fakes, serves the proxy on a
// port of the pool until the test ends and waits until it is ready.
func startInProcessProxy(t *testing.T, s stack, oauthFile string, env, fakes map[string]string) *inProcessProxy {
	t.Helper()
	port := acquirePort(t)
	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))

	configPath := filepath.Join(t.TempDir(), ".oauth.yml")
	if err := os.WriteFile(configPath, []byte(oauthFile), 0o600); err != nil {
		t.Fatalf("write %s: %v", configPath, err)
	}
	values := map[string]string{
		"ARGILLA_AUTH_OAUTH_CFG":    configPath,
		"AUTHPROXY_LISTEN":          listen,
		"AUTHPROXY_UPSTREAM":        s.ArgillaURL,
		"AUTHPROXY_COOKIE_SECRETS":  randomSecret(t),
		"AUTHPROXY_ARGILLA_API_KEY": s.ArgillaAPIKey,
	}
	for name, value := range env {
		values[name] = value
	}
	cfg, err := config.Load(config.Options{
		Args: []string{},
		Env: func(name string) (string, bool) {
			value, ok := values[name]
			return value, ok
		},
	})
	if err != nil {
		t.Fatalf("load the configuration of the in-process authproxy: %v\nOAuth file:\n%s", err, oauthFile)
	}

	log, logPath := inProcessLogger(t, port)
	keys, err := session.NewKeys(cfg.CookieSecrets, cfg.SessionTTL, authproxy.FlowTTL)
	if err != nil {
		t.Fatalf("create the session keys: %v", err)
	}
	opts, err := providers.WithFakeHosts(providers.Options{Logger: log}, fakes)
	if err != nil {
		t.Fatalf("point the providers at the fakes %v: %v", fakes, err)
	}
	var list []providers.Provider
	for _, p := range cfg.Providers {
		provider, err := providers.New(p, opts)
		if err != nil {
			t.Fatalf("create provider %s: %v", p.Name, err)
		}
		list = append(list, provider)
	}
	upstream := *cfg.Upstream
	upstream.Path = cfg.BasePath
	client := argilla.NewClient(&upstream, cfg.ArgillaAPIKey, &http.Client{Timeout: 30 * time.Second})
	server := authproxy.New(cfg, keys, list, argilla.NewProvisioner(client, log), log)

	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	server.Start(ctx)

	listener, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		t.Fatalf("listen on %s, port %d of E2E_PROXY_PORTS: %v", cfg.Listen, port, err)
	}
	recorder := &requestRecorder{}
	httpServer := &http.Server{
		Handler:           recorder.wrap(server),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() { _ = httpServer.Serve(listener) }()
	t.Cleanup(func() {
		shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), proxyStopTimeout)
		defer cancelShutdown()
		if err := httpServer.Shutdown(shutdownCtx); err != nil {
			t.Errorf("stop the in-process authproxy on %s: %v", cfg.Listen, err)
		}
		if t.Failed() {
			t.Logf("in-process authproxy log %s (last lines):\n%s", logPath, tailFile(logPath, 40))
		}
	})

	p := &inProcessProxy{
		Origin:    "http://localhost:" + strconv.Itoa(port),
		DirectURL: "http://" + listen,
		recorder:  recorder,
	}
	waitForReady(t, p.DirectURL, logPath, nil)
	return p
}

// inProcessLogger returns a JSON logger that writes to a file in
// E2E_LOG_DIR, or in a temporary directory, and the file's path.
func inProcessLogger(t *testing.T, port int) (*slog.Logger, string) {
	t.Helper()
	logDir := os.Getenv("E2E_LOG_DIR")
	if logDir == "" {
		logDir = t.TempDir()
	}
	logPath := filepath.Join(logDir, fmt.Sprintf("authproxy-%s-%d.log", safeName(t.Name()), port))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("create the log of the in-process authproxy: %v", err)
	}
	t.Cleanup(func() { logFile.Close() })
	return slog.New(slog.NewJSONHandler(logFile, &slog.HandlerOptions{Level: slog.LevelDebug})), logPath
}

// recordedRequest is one request to the proxy's OAuth paths and the start
// of its response.
type recordedRequest struct {
	Method string
	Path   string
	Query  url.Values
	Status int
	// Location is the Location header of the response, empty when it has
	// none.
	Location string
}

// requestRecorder records the requests to the proxy's OAuth paths, /oauth/
// and /api/v1/oauth2/, so that a test can check the steps a browser took.
type requestRecorder struct {
	mu       sync.Mutex
	requests []recordedRequest
}

func (rec *requestRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/oauth/") && !strings.HasPrefix(r.URL.Path, "/api/v1/oauth2/") {
			next.ServeHTTP(w, r)
			return
		}
		statusWriter := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(statusWriter, r)
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.requests = append(rec.requests, recordedRequest{
			Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
			Status: statusWriter.status, Location: statusWriter.Header().Get("Location"),
		})
	})
}

// matching returns the recorded requests with the method and path, oldest
// first.
func (rec *requestRecorder) matching(method, path string) []recordedRequest {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var found []recordedRequest
	for _, r := range rec.requests {
		if r.Method == method && r.Path == path {
			found = append(found, r)
		}
	}
	return found
}

// statusRecorder keeps the status code that a handler writes.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (w *statusRecorder) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection's writer, for
// the reverse proxy's flushes.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
