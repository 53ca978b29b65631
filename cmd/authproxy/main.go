// Command authproxy is a sign-in proxy for the Argilla annotation server.
//
// Usage:
//
//	authproxy [serve] [flags]     run the proxy
//	authproxy check-config [flags] validate the configuration and print it
//
// Run `authproxy -h` for the flags; README.md lists the environment
// variables.
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
		cfg.Describe(stdout)
		return 0
	}
	if err := serve(cfg, log); err != nil {
		log.Error("stopped", slog.Any("error", err))
		return 1
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
			provider, err := providers.New(p, providers.Options{})
			if err != nil {
				return err
			}
			list = append(list, provider)
		}
	}

	upstream := *cfg.Upstream
	upstream.Path = cfg.BasePath
	client := argilla.NewClient(&upstream, cfg.ArgillaAPIKey, &http.Client{Timeout: 30 * time.Second})
	server := proxy.New(cfg, keys, list, argilla.NewProvisioner(client, log), log)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	server.Start(ctx)

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
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return httpServer.Shutdown(shutdownCtx)
}
