package argilla

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/google/uuid"
)

// bindingNamespace is the UUID namespace of user ids derived from
// (provider, subject). Changing it would orphan every account authproxy has
// created.
var bindingNamespace = uuid.MustParse("6f1c2a57-3b0e-4d8e-9a51-0c7d3e8b2f14")

// BindingID returns the Argilla user id for the identity (provider,
// subject). Argilla accepts a client-chosen id at user creation, so this
// id binds the account to the identity without a local database, across
// restarts and replicas.
func BindingID(provider, subject string) string {
	return uuid.NewSHA1(bindingNamespace, []byte(provider+"\x00"+subject)).String()
}

// Account is what a sign-in asks Argilla for.
type Account struct {
	Provider  string
	Subject   string
	Username  string
	FirstName string
	// Role is owner, admin or annotator.
	Role string
	// Workspaces are the workspaces the user joins.
	Workspaces []string
	// Sync updates role and memberships of an existing user to match.
	Sync bool
}

// Error is a provisioning failure with a message meant for the person
// signing in. Err holds the cause for the log.
type Error struct {
	// Status is the HTTP status to answer with.
	Status  int
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Message
	}
	return e.Message + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrUsernameTaken means another Argilla account already has the username.
var ErrUsernameTaken = errors.New("username taken by another account")

// Provisioner creates and updates the Argilla accounts of people who sign
// in. It is safe for concurrent use, and so are several processes sharing
// one Argilla: every step is idempotent.
type Provisioner struct {
	client *Client
	log    *slog.Logger
}

// NewProvisioner returns a provisioner acting through client.
func NewProvisioner(client *Client, log *slog.Logger) *Provisioner {
	return &Provisioner{client: client, log: log}
}

// Provision returns the Argilla user bound to a's identity, creating it
// with its role and workspaces on first sign-in. A user that exists is left
// as it is unless a.Sync is set. On any failure no account is left half
// made: a user created by this call is deleted again.
func (p *Provisioner) Provision(ctx context.Context, a Account) (*User, error) {
	id := BindingID(a.Provider, a.Subject)

	user, err := p.client.GetUser(ctx, id)
	switch {
	case err == nil:
		if a.Sync {
			return p.sync(ctx, user, a)
		}
		return user, nil
	case !IsStatus(err, http.StatusNotFound):
		return nil, unavailable(err)
	}

	workspaces, err := p.EnsureWorkspaces(ctx, a.Workspaces)
	if err != nil {
		return nil, unavailable(err)
	}

	user, err = p.client.CreateUser(ctx, NewUser{
		ID: id, Username: a.Username, FirstName: firstName(a), Role: a.Role, Password: randomPassword(),
	})
	if IsStatus(err, http.StatusConflict) {
		// Either a concurrent sign-in of the same identity created the
		// user a moment ago, or the username belongs to another account.
		existing, getErr := p.client.GetUser(ctx, id)
		if getErr == nil {
			return existing, nil
		}
		if !IsStatus(getErr, http.StatusNotFound) {
			return nil, unavailable(getErr)
		}
		p.audit(ctx, "refused", a, "username belongs to another Argilla account")
		return nil, &Error{
			Status: http.StatusConflict,
			Message: fmt.Sprintf("the Argilla username %q already belongs to another account; "+
				"ask an Argilla owner to rename that account or to link it", a.Username),
			Err: ErrUsernameTaken,
		}
	}
	if err != nil {
		if IsStatus(err, http.StatusUnprocessableEntity) {
			return nil, &Error{Status: http.StatusBadGateway,
				Message: fmt.Sprintf("Argilla rejected the account for username %q", a.Username), Err: err}
		}
		return nil, unavailable(err)
	}

	for _, w := range workspaces {
		if err := p.addMember(ctx, w, user.ID); err != nil {
			p.rollback(ctx, user, a)
			return nil, unavailable(err)
		}
	}
	p.audit(ctx, "created", a, "first sign-in", slog.String("role", user.Role),
		slog.Any("workspaces", a.Workspaces))
	return user, nil
}

// sync brings an existing user's role and memberships in line with a, as
// Argilla 2.8 does with sync_user: the role is set, missing memberships are
// added and memberships not in a.Workspaces are removed.
func (p *Provisioner) sync(ctx context.Context, user *User, a Account) (*User, error) {
	if user.Role != a.Role {
		updated, err := p.client.UpdateUserRole(ctx, user.ID, a.Role)
		if err != nil {
			return nil, unavailable(err)
		}
		p.audit(ctx, "changed", a, "role synchronised", slog.String("from", user.Role), slog.String("to", a.Role))
		user = updated
	}

	wanted, err := p.EnsureWorkspaces(ctx, a.Workspaces)
	if err != nil {
		return nil, unavailable(err)
	}
	current, err := p.client.ListUserWorkspaces(ctx, user.ID)
	if err != nil {
		return nil, unavailable(err)
	}
	isCurrent := map[string]bool{}
	for _, w := range current {
		isCurrent[w.ID] = true
	}
	isWanted := map[string]bool{}
	for _, w := range wanted {
		isWanted[w.ID] = true
		if !isCurrent[w.ID] {
			if err := p.addMember(ctx, w, user.ID); err != nil {
				return nil, unavailable(err)
			}
			p.audit(ctx, "changed", a, "workspace membership added", slog.String("workspace", w.Name))
		}
	}
	for _, w := range current {
		if !isWanted[w.ID] {
			err := p.client.RemoveWorkspaceUser(ctx, w.ID, user.ID)
			if err != nil && !IsStatus(err, http.StatusNotFound) {
				return nil, unavailable(err)
			}
			p.audit(ctx, "changed", a, "workspace membership removed", slog.String("workspace", w.Name))
		}
	}
	return user, nil
}

// EnsureWorkspaces returns the workspaces named, creating those missing.
// Concurrent creation by another process is not an error.
func (p *Provisioner) EnsureWorkspaces(ctx context.Context, names []string) ([]Workspace, error) {
	if len(names) == 0 {
		return nil, nil
	}
	existing, err := p.client.ListWorkspaces(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]Workspace{}
	for _, w := range existing {
		byName[w.Name] = w
	}

	result := make([]Workspace, 0, len(names))
	for _, name := range names {
		w, ok := byName[name]
		if !ok {
			created, err := p.client.CreateWorkspace(ctx, name)
			switch {
			case err == nil:
				w = *created
				p.log.InfoContext(ctx, "workspace created", slog.String("workspace", name))
			case IsStatus(err, http.StatusConflict):
				if w, err = p.findWorkspace(ctx, name); err != nil {
					return nil, err
				}
			default:
				return nil, fmt.Errorf("create workspace %q: %w", name, err)
			}
		}
		result = append(result, w)
	}
	return result, nil
}

func (p *Provisioner) findWorkspace(ctx context.Context, name string) (Workspace, error) {
	list, err := p.client.ListWorkspaces(ctx)
	if err != nil {
		return Workspace{}, err
	}
	for _, w := range list {
		if w.Name == name {
			return w, nil
		}
	}
	return Workspace{}, fmt.Errorf("workspace %q exists but is not listed for the owner", name)
}

func (p *Provisioner) addMember(ctx context.Context, w Workspace, userID string) error {
	err := p.client.AddWorkspaceUser(ctx, w.ID, userID)
	if err != nil && !IsStatus(err, http.StatusConflict) {
		return fmt.Errorf("add user to workspace %q: %w", w.Name, err)
	}
	return nil
}

// rollback deletes a user this sign-in created, so that the next attempt
// starts clean. It uses its own context: the request's may be cancelled.
func (p *Provisioner) rollback(ctx context.Context, user *User, a Account) {
	err := p.client.DeleteUser(context.WithoutCancel(ctx), user.ID)
	if err != nil && !IsStatus(err, http.StatusNotFound) {
		p.log.ErrorContext(ctx, "rollback of a half-provisioned user failed",
			slog.String("user", a.Username), slog.String("user_id", user.ID), slog.Any("error", err))
		return
	}
	p.audit(ctx, "deleted", a, "provisioning failed after creation")
}

func (p *Provisioner) audit(ctx context.Context, action string, a Account, reason string, attrs ...any) {
	args := append([]any{
		slog.String("action", action), slog.String("provider", a.Provider),
		slog.String("subject", a.Subject), slog.String("user", a.Username),
		slog.String("reason", reason),
	}, attrs...)
	p.log.InfoContext(ctx, "account "+action, args...)
}

func unavailable(err error) error {
	return &Error{
		Status:  http.StatusBadGateway,
		Message: "Argilla could not be reached to set up your account; try again in a moment",
		Err:     err,
	}
}

// firstName returns a's first name, or its username: Argilla requires a
// non-empty first name.
func firstName(a Account) string {
	if a.FirstName != "" {
		return a.FirstName
	}
	return a.Username
}

// randomPassword returns a password nobody knows: accounts made here sign in
// through the provider only, but Argilla requires 8 to 100 characters.
func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return base64.RawURLEncoding.EncodeToString(b)
}
