package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// These tests check the stack itself, without authproxy, so that a failure
// of the sign-in tests points at authproxy and not at the harness.

// signedInSelector matches the avatar button in the header of Argilla 2.8's
// UI, which the UI shows only to a signed-in user.
const signedInSelector = chromedp.CSS(".user__button")

func TestStackArgillaOwnerAPI(t *testing.T) {
	s := loadStack(t)
	owner := newArgillaOwner(s)

	var me argillaUser
	owner.getJSON(t, "/api/v1/me", &me)
	if me.Username != s.OwnerName {
		t.Errorf("GET /api/v1/me with the owner API key returned username %q, expected %q", me.Username, s.OwnerName)
	}
	if me.Role != "owner" {
		t.Errorf("GET /api/v1/me with the owner API key returned role %q, expected owner", me.Role)
	}
}

func TestStackIdentityProviderDiscovery(t *testing.T) {
	s := loadStack(t)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(strings.TrimRight(s.Issuer, "/") + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("GET the discovery document of %s failed: %v", s.Issuer, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET the discovery document of %s returned status %d, expected 200", s.Issuer, resp.StatusCode)
	}
	var discovery struct {
		Issuer                        string   `json:"issuer"`
		CodeChallengeMethodsSupported []string `json:"code_challenge_methods_supported"`
		ScopesSupported               []string `json:"scopes_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&discovery); err != nil {
		t.Fatalf("decode the discovery document: %v", err)
	}
	if discovery.Issuer != s.Issuer {
		t.Errorf("discovery issuer is %q, expected E2E_IDP_ISSUER %q", discovery.Issuer, s.Issuer)
	}
	if !slices.Contains(discovery.CodeChallengeMethodsSupported, "S256") {
		t.Errorf("discovery code_challenge_methods_supported is %v, expected it to contain S256", discovery.CodeChallengeMethodsSupported)
	}
	for _, scope := range []string{"openid", "profile", "email"} {
		if !slices.Contains(discovery.ScopesSupported, scope) {
			t.Errorf("discovery scopes_supported is %v, expected it to contain %s", discovery.ScopesSupported, scope)
		}
	}
}

// TestStackArgillaUIPasswordSignIn signs the owner in with a password in
// Argilla's own UI, without authproxy, to check Chromium and the selectors
// that the sign-in tests depend on.
func TestStackArgillaUIPasswordSignIn(t *testing.T) {
	s := loadStack(t)
	tab := newBrowser(t, s)

	usernameInput := chromedp.CSS(`input[name="Username"]`)
	passwordInput := chromedp.CSS(`input[name="Password"]`)
	doStep(t, tab, "open Argilla's sign-in page",
		chromedp.Navigate(s.ArgillaURL+"/"),
		chromedp.WaitVisible(usernameInput),
	)
	doStep(t, tab, "sign in with the owner's password",
		chromedp.SendKeys(usernameInput, s.OwnerName),
		chromedp.SendKeys(passwordInput, s.OwnerPassword),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(signedInSelector),
	)

	token, err := localStorageItem(tab, "auth._token.local")
	if err != nil {
		t.Fatalf("read auth._token.local from local storage: %v", err)
	}
	if !strings.HasPrefix(token, "Bearer ") {
		t.Errorf("auth._token.local is %q, expected \"Bearer <token>\" after a password sign-in", token)
	}
}
