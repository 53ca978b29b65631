package e2e

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// argillaUser is the user JSON of Argilla's REST API.
type argillaUser struct {
	ID        string  `json:"id"`
	FirstName string  `json:"first_name"`
	LastName  *string `json:"last_name"`
	Username  string  `json:"username"`
	Role      string  `json:"role"`
}

type argillaWorkspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// argillaOwner calls Argilla's REST API directly with the owner's API key.
type argillaOwner struct {
	baseURL string
	apiKey  string
	client  *http.Client
}

func newArgillaOwner(s stack) *argillaOwner {
	return &argillaOwner{
		baseURL: strings.TrimRight(s.ArgillaURL, "/"),
		apiKey:  s.ArgillaAPIKey,
		client:  &http.Client{Timeout: 10 * time.Second},
	}
}

// getJSON sends GET path with the owner's API key, fails the test unless
// the status is 200, and decodes the body into out.
func (a *argillaOwner) getJSON(t *testing.T, path string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, a.baseURL+path, nil)
	if err != nil {
		t.Fatalf("build request GET %s: %v", path, err)
	}
	req.Header.Set("X-Argilla-Api-Key", a.apiKey)
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("GET %s%s with the owner API key failed: %v", a.baseURL, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s%s with the owner API key returned status %d, expected 200; body %s", a.baseURL, path, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		t.Fatalf("GET %s%s returned invalid JSON: %v; body %s", a.baseURL, path, err, body)
	}
}

// deleteUser deletes the user with id through DELETE /api/v1/users/{id}
// and fails the test unless Argilla returns 200.
func (a *argillaOwner) deleteUser(t *testing.T, id string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodDelete, a.baseURL+"/api/v1/users/"+id, nil)
	if err != nil {
		t.Fatalf("build request DELETE /api/v1/users/%s: %v", id, err)
	}
	req.Header.Set("X-Argilla-Api-Key", a.apiKey)
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("DELETE %s/api/v1/users/%s with the owner API key failed: %v", a.baseURL, id, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE %s/api/v1/users/%s with the owner API key returned status %d, expected 200; body %s",
			a.baseURL, id, resp.StatusCode, body)
	}
}

func (a *argillaOwner) users(t *testing.T) []argillaUser {
	t.Helper()
	var list struct {
		Items []argillaUser `json:"items"`
	}
	a.getJSON(t, "/api/v1/users", &list)
	return list.Items
}

// usersNamed returns every user whose username equals name.
func (a *argillaOwner) usersNamed(t *testing.T, name string) []argillaUser {
	t.Helper()
	var found []argillaUser
	for _, user := range a.users(t) {
		if user.Username == name {
			found = append(found, user)
		}
	}
	return found
}

func (a *argillaOwner) userWorkspaceNames(t *testing.T, userID string) []string {
	t.Helper()
	var list struct {
		Items []argillaWorkspace `json:"items"`
	}
	a.getJSON(t, "/api/v1/users/"+userID+"/workspaces", &list)
	names := make([]string, 0, len(list.Items))
	for _, workspace := range list.Items {
		names = append(names, workspace.Name)
	}
	return names
}

// callMe sends GET /api/v1/me to baseURL with the given Authorization and
// Cookie headers (each omitted when empty) and returns the status and body.
func callMe(t *testing.T, baseURL, authorization, cookie string) (int, []byte) {
	t.Helper()
	resp, body := sendMe(t, baseURL, authorization, cookie)
	return resp.StatusCode, body
}

func decodeUser(t *testing.T, body []byte) argillaUser {
	t.Helper()
	var user argillaUser
	if err := json.Unmarshal(body, &user); err != nil {
		t.Fatalf("decode user JSON: %v; body %s", err, body)
	}
	return user
}

// uniqueLogin returns a login that no earlier test run used, so that the
// checks on the number of users hold on a reused Argilla database.
func uniqueLogin(t *testing.T, prefix string) string {
	t.Helper()
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		t.Fatalf("read random bytes: %v", err)
	}
	return fmt.Sprintf("%s-%x", prefix, suffix)
}
