package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	proxyReadyTimeout = 60 * time.Second
	proxyStopTimeout  = 10 * time.Second
	portWaitTimeout   = 2 * time.Minute
)

// Ports come from E2E_PROXY_PORTS because the identity provider accepts
// only the callback URLs it was started with.
var (
	portPoolOnce sync.Once
	portPool     chan int
	portPoolErr  error
)

// acquirePort takes a port from E2E_PROXY_PORTS and returns it to the pool
// when the test ends. It waits while other tests hold every port.
func acquirePort(t *testing.T) int {
	t.Helper()
	raw := requireEnv(t, "E2E_PROXY_PORTS")
	portPoolOnce.Do(func() {
		fields := strings.Split(raw, ",")
		portPool = make(chan int, len(fields))
		for _, field := range fields {
			port, err := strconv.Atoi(strings.TrimSpace(field))
			if err != nil || port <= 0 || port > 65535 {
				portPoolErr = fmt.Errorf("E2E_PROXY_PORTS=%q contains the invalid port %q", raw, field)
				return
			}
			portPool <- port
		}
	})
	if portPoolErr != nil {
		t.Fatal(portPoolErr)
	}

	select {
	case port := <-portPool:
		t.Cleanup(func() { portPool <- port })
		return port
	case <-time.After(portWaitTimeout):
		t.Fatalf("no port of E2E_PROXY_PORTS became free within %s", portWaitTimeout)
		return 0
	}
}

// proxyConfig is the content of the .oauth.yml that defaultProxyEnv writes.
const proxyConfig = `providers:
  - name: keycloak
    client_id: %q
    client_secret: %q
allowed_workspaces:
  - name: argilla
  - name: team-b
allow_http_redirect: true
`

// allowedWorkspaces are the workspaces in proxyConfig.
var allowedWorkspaces = []string{"argilla", "team-b"}

// defaultProxyEnv returns the environment of an authproxy that signs users
// in at the stack's identity provider and forwards to its Argilla.
func defaultProxyEnv(t *testing.T, s stack) map[string]string {
	t.Helper()
	return keycloakProxyEnv(t, s, s.Issuer, s.ClientID, s.ClientSecret)
}

// keycloakProxyEnv returns the environment of an authproxy whose keycloak
// provider is the realm at issuer, and which forwards to the stack's
// Argilla.
func keycloakProxyEnv(t *testing.T, s stack, issuer, clientID, clientSecret string) map[string]string {
	t.Helper()
	configPath := filepath.Join(t.TempDir(), ".oauth.yml")
	config := fmt.Sprintf(proxyConfig, clientID, clientSecret)
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatalf("write %s: %v", configPath, err)
	}
	return map[string]string{
		"ARGILLA_AUTH_OAUTH_CFG":             configPath,
		"SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT": issuer,
		"AUTHPROXY_UPSTREAM":                 s.ArgillaURL,
		"AUTHPROXY_COOKIE_SECRETS":           randomSecret(t),
		"AUTHPROXY_ARGILLA_API_KEY":          s.ArgillaAPIKey,
	}
}

// randomSecret returns 32 random bytes in standard base64.
func randomSecret(t *testing.T) string {
	t.Helper()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatalf("read random bytes: %v", err)
	}
	return base64.StdEncoding.EncodeToString(secret)
}

// proxyProcess is a running authproxy.
type proxyProcess struct {
	// Origin is http://localhost:<port>. The browser uses it so that the
	// identity provider at 127.0.0.1 is a different site.
	Origin string
	// DirectURL is http://127.0.0.1:<port>, for Go HTTP clients.
	DirectURL string
	LogPath   string

	cmd    *exec.Cmd
	exited chan struct{}
}

// startProxy starts the authproxy binary with env plus AUTHPROXY_LISTEN on a
// port of the pool, waits until GET /authproxy/ready returns 200 and stops
// the process when the test ends.
func startProxy(t *testing.T, env map[string]string) *proxyProcess {
	t.Helper()
	binary := requireProxyBinary(t)
	port := acquirePort(t)
	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := checkPortFree(listen); err != nil {
		t.Fatalf("port %d of E2E_PROXY_PORTS is in use by another process: %v", port, err)
	}

	logDir := os.Getenv("E2E_LOG_DIR")
	if logDir == "" {
		logDir = t.TempDir()
	}
	logPath := filepath.Join(logDir, fmt.Sprintf("authproxy-%s-%d.log", safeName(t.Name()), port))
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatalf("create authproxy log: %v", err)
	}

	cmd := exec.Command(binary)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"TMPDIR=" + t.TempDir(),
		"AUTHPROXY_LISTEN=" + listen,
	}
	for name, value := range env {
		cmd.Env = append(cmd.Env, name+"="+value)
	}
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", binary, err)
	}

	p := &proxyProcess{
		Origin:    "http://localhost:" + strconv.Itoa(port),
		DirectURL: "http://" + listen,
		LogPath:   logPath,
		cmd:       cmd,
		exited:    make(chan struct{}),
	}
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			t.Logf("authproxy log %s (last lines):\n%s", logPath, tailFile(logPath, 40))
		}
	})

	p.waitReady(t)
	return p
}

func (p *proxyProcess) waitReady(t *testing.T) {
	t.Helper()
	exited := func() bool {
		select {
		case <-p.exited:
			t.Fatalf("authproxy exited before it was ready (%s); log %s:\n%s",
				p.cmd.ProcessState, p.LogPath, tailFile(p.LogPath, 40))
			return true
		default:
			return false
		}
	}
	waitForReady(t, p.DirectURL, p.LogPath, exited)
}

// waitForReady polls baseURL/authproxy/ready until it returns 200, failing
// the test after proxyReadyTimeout or as soon as stopped reports true.
// stopped may be nil.
func waitForReady(t *testing.T, baseURL, logPath string, stopped func() bool) {
	t.Helper()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(proxyReadyTimeout)
	lastResult := "no response yet"
	for time.Now().Before(deadline) {
		if stopped != nil && stopped() {
			return
		}
		resp, err := client.Get(baseURL + "/authproxy/ready")
		if err != nil {
			lastResult = err.Error()
		} else {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			lastResult = fmt.Sprintf("status %d, body %q", resp.StatusCode, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("GET %s/authproxy/ready did not return 200 within %s; last result: %s; log %s:\n%s",
		baseURL, proxyReadyTimeout, lastResult, logPath, tailFile(logPath, 40))
}

// stop sends SIGTERM and, after proxyStopTimeout, SIGKILL.
func (p *proxyProcess) stop(t *testing.T) {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(proxyStopTimeout):
		t.Errorf("authproxy (pid %d) did not exit within %s after SIGTERM; killing it", p.cmd.Process.Pid, proxyStopTimeout)
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

func checkPortFree(addr string) error {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return listener.Close()
}

// tailFile returns the last n lines of the file, or the read error.
func tailFile(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// safeName turns a test name into a file name.
func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		default:
			return '_'
		}
	}, name)
}
