package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	// stepTimeout bounds one browser step, such as a navigation or a wait
	// for an element.
	stepTimeout = 30 * time.Second
	// artifactsDir is e2e/artifacts, relative to the package directory in
	// which go test runs.
	artifactsDir = "artifacts"
)

// newBrowser starts headless Chromium with a fresh profile and TMPDIR for
// the test and returns the context of its first tab. Chromium stops when
// the test ends.
func newBrowser(t *testing.T, s stack) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(s.ChromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Env("TMPDIR="+t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)

	// The first Do starts Chromium. Its context must have no deadline,
	// because the browser lives as long as that context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium %s: %v", s.ChromiumPath, err)
	}
	return ctx
}

// newBrowserContext opens a tab in a new browser context of the same
// Chromium: it shares no cookies and no local storage with other contexts.
func newBrowserContext(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a new browser context: %v", err)
	}
	return ctx
}

// runStep runs one browser action with stepTimeout. On an error it saves a
// screenshot and the page's HTML to the artifacts directory and fails the
// test with the step, the current URL and the error.
func runStep[T any](t *testing.T, tab context.Context, step string, action chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, stepTimeout)
	defer cancel()
	value, err := chromedp.Run(ctx, action)
	if err != nil {
		location := currentLocation(tab)
		saved := saveFailureArtifacts(t, tab)
		t.Fatalf("browser step %q failed at %s: %v (%s)", step, location, err, saved)
	}
	return value
}

func doStep(t *testing.T, tab context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	runStep(t, tab, step, chromedp.Steps(actions...))
}

// waitUntil polls check every 200 ms until it returns true or stepTimeout
// passes. check returns whether the condition holds and a description of
// the current state for the failure message.
func waitUntil(t *testing.T, tab context.Context, condition string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	state := "not checked yet"
	for time.Now().Before(deadline) {
		var ok bool
		ok, state = check()
		if ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	saved := saveFailureArtifacts(t, tab)
	t.Fatalf("timed out after %s waiting until %s; last state: %s (%s)", stepTimeout, condition, state, saved)
}

func currentLocation(tab context.Context) string {
	ctx, cancel := context.WithTimeout(tab, 5*time.Second)
	defer cancel()
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return fmt.Sprintf("(unknown URL: %v)", err)
	}
	return location
}

// localStorageItem returns the item of the current page's local storage, or
// "" when the item is missing.
func localStorageItem(tab context.Context, key string) (string, error) {
	ctx, cancel := context.WithTimeout(tab, 5*time.Second)
	defer cancel()
	expression := fmt.Sprintf("localStorage.getItem(%q) ?? ''", key)
	return chromedp.Run(ctx, chromedp.Evaluate[string](expression))
}

// saveScreenshot writes a PNG of the viewport to the artifacts directory
// and returns its path.
func saveScreenshot(t *testing.T, tab context.Context, name string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return "", fmt.Errorf("capture screenshot: %w", err)
	}
	if err := os.MkdirAll(artifactsDir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(artifactsDir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", err
	}
	absolute, _ := filepath.Abs(path)
	return absolute, nil
}

// saveFailureArtifacts saves a screenshot and the HTML of the page and
// returns a sentence that names the files, for a failure message.
func saveFailureArtifacts(t *testing.T, tab context.Context) string {
	t.Helper()
	name := safeName(t.Name()) + "-failure"
	var saved []string
	if path, err := saveScreenshot(t, tab, name); err != nil {
		saved = append(saved, "no screenshot: "+err.Error())
	} else {
		saved = append(saved, "screenshot "+path)
	}

	ctx, cancel := context.WithTimeout(tab, 5*time.Second)
	defer cancel()
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.outerHTML"))
	if err != nil {
		saved = append(saved, "no HTML: "+err.Error())
	} else {
		path := filepath.Join(artifactsDir, name+".html")
		if err := os.WriteFile(path, []byte(html), 0o644); err != nil {
			saved = append(saved, "no HTML: "+err.Error())
		} else {
			absolute, _ := filepath.Abs(path)
			saved = append(saved, "HTML "+absolute)
		}
	}
	return strings.Join(saved, ", ")
}

// Selectors of the pages of e2e/idp/server.mjs.
var (
	providerLoginInput    = chromedp.CSS(`input[name="login"]`)
	providerPasswordInput = chromedp.CSS(`input[name="password"]`)
	providerSignInButton  = chromedp.CSS(`#sign-in`)
	providerConsentButton = chromedp.CSS(`#consent-allow`)
)

// signInAtProvider expects the tab to be on its way to the identity
// provider's login page. It checks that the page belongs to the issuer,
// signs in with the login and any password, and grants the consent.
func signInAtProvider(t *testing.T, tab context.Context, issuer, login string) {
	t.Helper()
	doStep(t, tab, "wait for the identity provider's login form", chromedp.WaitVisible(providerLoginInput))
	if location := currentLocation(tab); !strings.HasPrefix(location, issuer+"/interaction/") {
		t.Fatalf("the login form is at %s, expected a page under %s/interaction/", location, issuer)
	}
	doStep(t, tab, "sign in at the identity provider as "+login,
		chromedp.SendKeys(providerLoginInput, login),
		chromedp.SendKeys(providerPasswordInput, "any-password"),
		chromedp.Click(providerSignInButton),
	)
	doStep(t, tab, "grant the consent at the identity provider",
		chromedp.WaitVisible(providerConsentButton),
		chromedp.Click(providerConsentButton),
	)
}
