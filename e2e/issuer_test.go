package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestIssuerMismatchStopsStartUp starts the authproxy binary with the
// identity provider's issuer spelt with a trailing slash. The discovery
// document names the issuer without it, so ID tokens would never verify:
// the process must exit with both values and the fix instead of waiting.
func TestIssuerMismatchStopsStartUp(t *testing.T) {
	s := loadStack(t)
	env := defaultProxyEnv(t, s)
	env["SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT"] = s.Issuer + "/"
	env["AUTHPROXY_LISTEN"] = fmt.Sprintf("127.0.0.1:%d", acquirePort(t))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, proxyBinary)
	for name, value := range env {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()

	if ctx.Err() != nil {
		t.Fatalf("authproxy still ran after 60 s with a mismatched issuer; log:\n%s", stderr.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("authproxy exited with %v, expected a non-zero exit; log:\n%s", err, stderr.String())
	}
	log := stderr.String()
	for _, want := range []string{
		`\"` + s.Issuer + `\"`,
		`\"` + s.Issuer + `/\"`,
		"SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT=" + s.Issuer,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("authproxy's log lacks %s; log:\n%s", want, log)
		}
	}
}
