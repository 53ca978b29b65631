package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os/exec"
	"slices"
	"testing"
	"time"
)

// sdkScript runs argilla's Python SDK 2.8.0 against the URL and API key it
// is given. It prints one JSON object with what the SDK returned, or exits
// non-zero with the SDK's error, so the test can show what went wrong.
const sdkScript = `
import json, sys
import argilla as rg

api_url, api_key, new_workspace = sys.argv[1], sys.argv[2], sys.argv[3]
client = rg.Argilla(api_url=api_url, api_key=api_key, timeout=30, retries=1)
me = client.me
result = {"username": me.username, "role": str(me.role.value if hasattr(me.role, "value") else me.role)}
result["workspaces"] = sorted(w.name for w in client.workspaces)
if new_workspace:
    workspace = rg.Workspace(name=new_workspace, client=client).create()
    result["created"] = workspace.name
print(json.dumps(result))
`

type sdkResult struct {
	Username   string   `json:"username"`
	Role       string   `json:"role"`
	Workspaces []string `json:"workspaces"`
	Created    string   `json:"created"`
}

// runSDK runs sdkScript with the Python of Argilla's venv and decodes its
// output.
func runSDK(t *testing.T, python, apiURL, apiKey, newWorkspace string) sdkResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", sdkScript, apiURL, apiKey, newWorkspace)
	output, err := cmd.Output()
	if err != nil {
		stderr := ""
		if exit, ok := err.(*exec.ExitError); ok {
			stderr = string(exit.Stderr)
		}
		t.Fatalf("the Python SDK against %s failed: %v\n%s", apiURL, err, stderr)
	}
	var result sdkResult
	if err := json.Unmarshal(output, &result); err != nil {
		t.Fatalf("decode the SDK script's output %q: %v", output, err)
	}
	return result
}

// TestPythonSDKThroughProxy uses argilla's own Python SDK through authproxy.
// With the owner's API key it reads the owner, lists the workspaces and
// creates one. With the API key of a user who signed in through the proxy it
// reads that user. API-key requests carry no authproxy token, so the proxy
// must pass them through unchanged.
func TestPythonSDKThroughProxy(t *testing.T) {
	s := loadStack(t)
	python := requireEnv(t, "AUTHPROXY_ARGILLA_PYTHON")
	proxy := startProxy(t, defaultProxyEnv(t, s))
	owner := newArgillaOwner(s)

	workspace := uniqueLogin(t, "sdk-workspace")
	asOwner := runSDK(t, python, proxy.DirectURL, s.ArgillaAPIKey, workspace)
	if asOwner.Username != s.OwnerName {
		t.Errorf("SDK client.me through authproxy with the owner's key = %q, expected %q", asOwner.Username, s.OwnerName)
	}
	if asOwner.Role != "owner" {
		t.Errorf("SDK client.me role through authproxy = %q, expected owner", asOwner.Role)
	}
	for _, name := range allowedWorkspaces {
		if !slices.Contains(asOwner.Workspaces, name) {
			t.Errorf("SDK client.workspaces through authproxy = %v, expected it to contain %q", asOwner.Workspaces, name)
		}
	}
	if asOwner.Created != workspace {
		t.Errorf("SDK Workspace.create through authproxy returned %q, expected %q", asOwner.Created, workspace)
	}
	var list struct{ Items []argillaWorkspace }
	owner.getJSON(t, "/api/v1/me/workspaces", &list)
	found := false
	for _, w := range list.Items {
		found = found || w.Name == workspace
	}
	if !found {
		t.Errorf("workspace %q created with the SDK through authproxy is not in Argilla", workspace)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	login := uniqueLogin(t, "sdk-user")
	signIn, err := signInWithHTTP(ctx, http.DefaultTransport, proxy.DirectURL, s.Issuer, login)
	if err != nil {
		t.Fatalf("sign in %q through authproxy: %v", login, err)
	}
	status, body := callMe(t, proxy.DirectURL, signIn.token, signIn.cookieHeader)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/me through authproxy after the sign-in returned %d: %s", status, body)
	}
	var me struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal(body, &me); err != nil || me.APIKey == "" {
		t.Fatalf("GET /api/v1/me through authproxy returned no api_key (%v): %s", err, body)
	}

	asUser := runSDK(t, python, proxy.DirectURL, me.APIKey, "")
	if asUser.Username != login {
		t.Errorf("SDK client.me with the signed-in user's key = %q, expected %q", asUser.Username, login)
	}
	if asUser.Role != "annotator" {
		t.Errorf("SDK client.me role with the signed-in user's key = %q, expected annotator", asUser.Role)
	}
	if !slices.Equal(asUser.Workspaces, allowedWorkspaces) {
		t.Errorf("SDK client.workspaces with the signed-in user's key = %v, expected %v", asUser.Workspaces, allowedWorkspaces)
	}
}
