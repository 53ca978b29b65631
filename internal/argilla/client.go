// Package argilla talks to Argilla's REST API with an owner's API key and
// provisions the users and workspaces of people who sign in.
package argilla

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// User is Argilla's user resource. APIKey is a secret: never log it.
type User struct {
	ID        string  `json:"id"`
	Username  string  `json:"username"`
	FirstName string  `json:"first_name"`
	LastName  *string `json:"last_name"`
	Role      string  `json:"role"`
	APIKey    string  `json:"api_key"`
}

// String returns the user without the API key, for messages.
func (u User) String() string {
	return fmt.Sprintf("user %s (%q, %s)", u.ID, u.Username, u.Role)
}

// LogValue returns the user without the API key, for log/slog.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", u.ID), slog.String("username", u.Username),
		slog.String("role", u.Role))
}

// Workspace is Argilla's workspace resource.
type Workspace struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// APIError is a non-2xx response from Argilla.
type APIError struct {
	Method string
	Path   string
	Status int
	// Detail is Argilla's error detail, shortened.
	Detail string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("argilla: %s %s: status %d: %s", e.Method, e.Path, e.Status, e.Detail)
}

// IsStatus reports whether err is an *APIError with status.
func IsStatus(err error, status int) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == status
}

// Client calls Argilla's REST API as the owner whose API key it holds.
type Client struct {
	base   *url.URL
	apiKey string
	http   *http.Client
}

// NewClient returns a client for the Argilla at base (including any base
// path). httpClient must have a time-out.
func NewClient(base *url.URL, apiKey string, httpClient *http.Client) *Client {
	b := *base
	b.Path = strings.TrimSuffix(b.Path, "/") + "/"
	return &Client{base: &b, apiKey: apiKey, http: httpClient}
}

// Me returns the user the API key belongs to.
func (c *Client) Me(ctx context.Context) (*User, error) {
	var u User
	return &u, c.do(ctx, http.MethodGet, "api/v1/me", nil, &u)
}

// GetUser returns the user with id; an *APIError with status 404 when there
// is none.
func (c *Client) GetUser(ctx context.Context, id string) (*User, error) {
	var u User
	return &u, c.do(ctx, http.MethodGet, "api/v1/users/"+url.PathEscape(id), nil, &u)
}

// ListUsers returns every user; Argilla has no filter or paging here.
func (c *Client) ListUsers(ctx context.Context) ([]User, error) {
	var list struct{ Items []User }
	return list.Items, c.do(ctx, http.MethodGet, "api/v1/users", nil, &list)
}

// NewUser is the body of a user-create call.
type NewUser struct {
	ID        string `json:"id,omitempty"`
	Username  string `json:"username"`
	FirstName string `json:"first_name"`
	// LastName is omitted when empty: Argilla requires at least one
	// character when it is present.
	LastName string `json:"last_name,omitempty"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// CreateUser creates a user. Argilla returns 409 when the username or id
// is already in use.
func (c *Client) CreateUser(ctx context.Context, u NewUser) (*User, error) {
	var created User
	return &created, c.do(ctx, http.MethodPost, "api/v1/users", u, &created)
}

// UpdateUserRole sets the role of user id.
func (c *Client) UpdateUserRole(ctx context.Context, id, role string) (*User, error) {
	return c.updateUser(ctx, id, map[string]any{"role": role})
}

// UpdateUserLastName sets the last name of user id; an empty name clears
// it.
func (c *Client) UpdateUserLastName(ctx context.Context, id, lastName string) (*User, error) {
	var value any
	if lastName != "" {
		value = lastName
	}
	return c.updateUser(ctx, id, map[string]any{"last_name": value})
}

func (c *Client) updateUser(ctx context.Context, id string, fields map[string]any) (*User, error) {
	var u User
	return &u, c.do(ctx, http.MethodPatch, "api/v1/users/"+url.PathEscape(id), fields, &u)
}

// DeleteUser deletes user id.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodDelete, "api/v1/users/"+url.PathEscape(id), nil, nil)
}

// ListWorkspaces returns every workspace: /api/v1/me/workspaces lists all
// of them for an owner, and Argilla has no other list call.
func (c *Client) ListWorkspaces(ctx context.Context) ([]Workspace, error) {
	var list struct{ Items []Workspace }
	return list.Items, c.do(ctx, http.MethodGet, "api/v1/me/workspaces", nil, &list)
}

// CreateWorkspace creates a workspace; 409 when the name is taken.
func (c *Client) CreateWorkspace(ctx context.Context, name string) (*Workspace, error) {
	var w Workspace
	return &w, c.do(ctx, http.MethodPost, "api/v1/workspaces", map[string]string{"name": name}, &w)
}

// ListUserWorkspaces returns the workspaces user id belongs to.
func (c *Client) ListUserWorkspaces(ctx context.Context, id string) ([]Workspace, error) {
	var list struct{ Items []Workspace }
	return list.Items, c.do(ctx, http.MethodGet, "api/v1/users/"+url.PathEscape(id)+"/workspaces", nil, &list)
}

// AddWorkspaceUser adds user to workspace; 409 when already a member.
func (c *Client) AddWorkspaceUser(ctx context.Context, workspaceID, userID string) error {
	path := "api/v1/workspaces/" + url.PathEscape(workspaceID) + "/users"
	return c.do(ctx, http.MethodPost, path, map[string]string{"user_id": userID}, nil)
}

// RemoveWorkspaceUser removes user from workspace.
func (c *Client) RemoveWorkspaceUser(ctx context.Context, workspaceID, userID string) error {
	path := "api/v1/workspaces/" + url.PathEscape(workspaceID) + "/users/" + url.PathEscape(userID)
	return c.do(ctx, http.MethodDelete, path, nil, nil)
}

// maxResponseBytes bounds what the client reads of one response. The user
// list grows with the installation, so the bound is generous.
const maxResponseBytes = 64 << 20

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(encoded)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, reader)
	if err != nil {
		return err
	}
	req.Header.Set("X-Argilla-Api-Key", c.apiKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("argilla: %s /%s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("argilla: %s /%s: read response: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &APIError{Method: method, Path: "/" + path, Status: resp.StatusCode, Detail: errorDetail(data)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("argilla: %s /%s: invalid JSON response: %w", method, path, err)
	}
	return nil
}

// errorDetail extracts Argilla's error detail, which is either a string or
// {"code": ..., "params": {...}}, and shortens it to its first line. An
// unexpected server error's message continues with the SQL statement and
// its parameters, which can contain a new user's API key.
func errorDetail(body []byte) string {
	var shape struct {
		Detail json.RawMessage `json:"detail"`
	}
	text := string(body)
	if json.Unmarshal(body, &shape) == nil && len(shape.Detail) > 0 {
		var s string
		var structured struct {
			Code   string         `json:"code"`
			Params map[string]any `json:"params"`
		}
		switch {
		case json.Unmarshal(shape.Detail, &s) == nil:
			text = s
		case json.Unmarshal(shape.Detail, &structured) == nil && structured.Code != "":
			text = structured.Code
			for _, key := range []string{"detail", "message"} {
				if v, ok := structured.Params[key].(string); ok && v != "" {
					text += ": " + v
					break
				}
			}
		default:
			text = string(shape.Detail)
		}
	}
	text, _, _ = strings.Cut(text, "\n")
	if len(text) > 300 {
		text = text[:300] + "..."
	}
	return text
}
