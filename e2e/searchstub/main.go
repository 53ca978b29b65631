// Command searchstub is a stand-in for Elasticsearch that lets argilla-server
// start in tests without a real search engine.
//
// argilla-server 2.8.0 calls the search engine at start-up with the
// Elasticsearch 8 client's ping (HEAD /) and exits when the ping fails. The
// client accepts a 2xx response only with the header
// "X-Elastic-Product: Elasticsearch". GET /api/v1/status calls info (GET /).
// Users, workspaces and sign-in do not call the search engine, so searchstub
// handles only these two requests. Every other request gets a 404 in the
// Elasticsearch error format and a log line, so a test that reaches the
// search engine fails visibly.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// info is the document that Elasticsearch returns for GET /.
var info = map[string]any{
	"name":         "searchstub",
	"cluster_name": "authproxy-e2e",
	"cluster_uuid": "searchstub-0000000000",
	"version": map[string]any{
		"number":                              "8.17.0",
		"build_flavor":                        "default",
		"build_type":                          "tar",
		"build_hash":                          "0000000000000000000000000000000000000000",
		"build_date":                          "2025-01-01T00:00:00.000Z",
		"build_snapshot":                      false,
		"lucene_version":                      "9.12.0",
		"minimum_wire_compatibility_version":  "7.17.0",
		"minimum_index_compatibility_version": "7.0.0",
	},
	"tagline": "You Know, for Search",
}

func main() {
	addr := flag.String("addr", "127.0.0.1:9200", "host:port to listen on")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(*addr, logger); err != nil {
		logger.Error("searchstub failed", "err", err)
		os.Exit(1)
	}
}

func run(addr string, logger *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	server := &http.Server{
		Handler:           newHandler(logger),
		ReadHeaderTimeout: 10 * time.Second,
	}
	logger.Info("searchstub listening", "addr", listener.Addr().String())

	errs := make(chan error, 1)
	go func() { errs <- server.Serve(listener) }()

	select {
	case err := <-errs:
		return err
	case <-ctx.Done():
	}
	logger.Info("searchstub stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func newHandler(logger *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
		w.Header().Set("Content-Type", "application/json")

		if r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			w.WriteHeader(http.StatusOK)
			if r.Method == http.MethodGet {
				_ = json.NewEncoder(w).Encode(info)
			}
			return
		}

		logger.Warn("request not supported by searchstub", "method", r.Method, "path", r.URL.Path)
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"error": map[string]any{
				"type":   "resource_not_found_exception",
				"reason": "searchstub supports only HEAD / and GET /, not " + r.Method + " " + r.URL.Path,
			},
			"status": http.StatusNotFound,
		})
	})
}
