// Command authproxy is a sign-in proxy for the Argilla annotation server.
//
// Usage:
//
//	authproxy [serve] [flags]      run the proxy
//	authproxy check-config [flags] validate the configuration and print it
//
// check-config starts nothing. It prints the effective configuration with
// secrets redacted and exits 0, or 2 when the configuration is invalid.
// Run `authproxy -h` for the flags; docs/configuration.md lists every
// setting.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/argilla-authproxy/authproxy/internal/argilla"
	"github.com/argilla-authproxy/authproxy/internal/config"
	"github.com/argilla-authproxy/authproxy/internal/providers"
	"github.com/argilla-authproxy/authproxy/internal/proxy"
	"github.com/argilla-authproxy/authproxy/internal/session"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	command := "serve"
	if len(args) > 0 && (args[0] == "serve" || args[0] == "check-config") {
		command, args = args[0], args[1:]
	}

	cfg, err := config.Load(config.Options{Args: args, FlagOutput: stderr})
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if invalid := (*config.Error)(nil); errors.As(err, &invalid) {
		logWarnings(newLogger(stderr, config.DefaultLogLevel), invalid.Warnings)
	}
	if err != nil {
		fmt.Fprintln(stderr, "authproxy:", err)
		return 2
	}
	log := newLogger(stderr, cfg.LogLevel)
	logWarnings(log, cfg.Warnings)

	if command == "check-config" {
		return checkConfig(cfg, stdout, stderr)
	}
	if err := serve(cfg, log); err != nil {
		log.Error("stopped", slog.Any("error", err))
		return 1
	}
	return 0
}

// checkConfig prints the effective configuration and fails for every
// provider that this build cannot serve yet. It opens no listener and
// sends no request. It returns the exit code: 0, 2 as for any other
// invalid configuration, or 1 when the output cannot be written.
func checkConfig(cfg *config.Config, stdout, stderr io.Writer) int {
	if err := cfg.Describe(stdout); err != nil {
		fmt.Fprintln(stderr, "authproxy: writing the configuration failed:", err)
		return 1
	}
	if !cfg.Enabled {
		return 0
	}

	var problems []config.Problem
	for _, p := range cfg.Providers {
		if _, err := providers.New(p, providers.Options{}); err != nil {
			key := "providers." + p.Name + ".name"
			problems = append(problems, config.Problem{
				Where: cfg.Source(key), Key: key, Value: p.Name,
				Message: err.Error(),
				Fix:     "remove this provider until authproxy supports it",
			})
		}
	}
	if len(problems) > 0 {
		fmt.Fprintln(stderr, "authproxy:", &config.Error{Problems: problems})
		return 2
	}
	return 0
}

// logWarnings logs each configuration warning on its own line.
func logWarnings(log *slog.Logger, warnings []config.Problem) {
	for _, w := range warnings {
		attrs := []any{slog.String("where", w.Where), slog.String("key", w.Key)}
		if w.Value != "" {
			attrs = append(attrs, slog.String("value", w.Value))
		}
		attrs = append(attrs, slog.String("fix", w.Fix))
		log.Warn("configuration: "+w.Message, attrs...)
	}
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func serve(cfg *config.Config, log *slog.Logger) error {
	keys, err := session.NewKeys(cfg.CookieSecrets, cfg.SessionTTL, proxy.FlowTTL)
	if err != nil {
		return err
	}

	var list []providers.Provider
	if cfg.Enabled {
		for _, p := range cfg.Providers {
			provider, err := providers.New(p, providers.Options{
				HTTPClient: &http.Client{Timeout: providers.DefaultHTTPTimeout},
				Leeway:     cfg.ClockSkew,
				Logger:     log,
			})
			if err != nil {
				return err
			}
			list = append(list, provider)
		}
	}

	upstream := *cfg.Upstream
	upstream.Path = cfg.BasePath
	// One call may take as long as a whole sign-in's provisioning may: Argilla
	// hashes a password for each new user, and a burst of first sign-ins
	// queues those calls.
	client := argilla.NewClient(&upstream, cfg.ArgillaAPIKey, &http.Client{Timeout: argilla.DefaultProvisionTimeout})
	server := proxy.New(cfg, keys, list, argilla.NewProvisioner(client, log), log)
	if cfg.MetricsListen != "" {
		metrics := proxy.NewMetrics()
		server.UseMetrics(metrics)
		metricsServer := &http.Server{Addr: cfg.MetricsListen, Handler: metrics.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := metricsServer.ListenAndServe(); err != nil {
				log.Error("metrics listener stopped", slog.String("address", cfg.MetricsListen), slog.Any("error", err))
			}
		}()
		defer metricsServer.Close()
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fatal := server.Start(ctx)

	httpServer := &http.Server{
		Addr:              cfg.Listen,
		Handler:           server,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errs := make(chan error, 1)
	go func() { errs <- httpServer.ListenAndServe() }()
	log.Info("listening", slog.String("address", cfg.Listen), slog.String("upstream", cfg.Upstream.String()),
		slog.String("oauth_file", cfg.OAuthFile))

	select {
	case err := <-errs:
		return fmt.Errorf("listen on %s: %w", cfg.Listen, err)
	case err := <-fatal:
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = httpServer.Shutdown(shutdownCtx)
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return httpServer.Shutdown(shutdownCtx)
}
