package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// proxyBinary is the authproxy binary that TestMain builds once for all
// tests. proxyBuildErr is set instead when the build failed or was skipped.
var (
	proxyBinary   string
	proxyBuildErr error
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if !e2eRequired() && os.Getenv("E2E_ARGILLA_URL") == "" {
		proxyBuildErr = fmt.Errorf("authproxy was not built because E2E_ARGILLA_URL is not set")
		return m.Run()
	}

	dir, err := os.MkdirTemp("", "authproxy-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: create directory for the authproxy binary: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	proxyBinary, proxyBuildErr = buildProxy(filepath.Join(dir, "authproxy"))
	return m.Run()
}

// buildProxy builds ./cmd/authproxy from the module root into out.
func buildProxy(out string) (string, error) {
	cmd := exec.Command("go", "build", "-o", out, "./cmd/authproxy")
	cmd.Dir = ".."
	output, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/authproxy failed: %w\n%s", err, output)
	}
	return out, nil
}

func e2eRequired() bool {
	return os.Getenv("E2E_REQUIRED") == "1"
}
