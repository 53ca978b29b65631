package argilla

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// Account is the account request of one sign-in, with the rules that decide
// which Argilla account it receives. Policy.Account builds it.
type Account struct {
	Provider string
	Subject  string
	// Username is the username the provider gives, by Argilla's rules.
	Username  string
	FirstName string
	// Role is the role granted by realm roles and role rules, or "" when
	// none matched. See RoleFor.
	Role string
	// OwnerUsername is Argilla's USERNAME when its owner rule applies to
	// this sign-in, else "".
	OwnerUsername string
	// Workspaces are the workspaces the account belongs to.
	Workspaces []string
	// Sync updates the role and memberships of an existing account at
	// every sign-in, as Argilla's sync_user does.
	Sync bool
	// Link is the username of the account that identity_links links this
	// identity to, or "".
	Link string
	// LinkByUsername lets this sign-in link a pre-existing account that
	// has Username, unless it is an owner or bound to another identity.
	LinkByUsername bool
	// Conflict is config.ConflictReject or config.ConflictSuffix. Empty
	// means reject.
	Conflict string
	// LinkTargets are the usernames named in identity_links. They are
	// never linked by username.
	LinkTargets map[string]bool
}

// RoleFor returns the role of a's account when it has username: Role if
// set, else owner when username is OwnerUsername, else annotator. The
// owner rule looks at the account's username, so a derived username or a
// rejected sign-in never receives it.
func (a Account) RoleFor(username string) string {
	switch {
	case a.Role != "":
		return a.Role
	case a.OwnerUsername != "" && username == a.OwnerUsername:
		return "owner"
	}
	return "annotator"
}

// Error is a failed sign-in with a message meant for the person signing
// in. Err holds the cause for the log.
type Error struct {
	// Status is the HTTP status of the response.
	Status  int
	Message string
	// Rejected is true when the identity settings rejected the sign-in,
	// and false when Argilla failed.
	Rejected bool
	Err      error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Message
	}
	return e.Message + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Causes of rejected sign-ins, for errors.Is.
var (
	// ErrUsernameTaken means the username belongs to an account bound to
	// another identity.
	ErrUsernameTaken = errors.New("username belongs to an account bound to another identity")
	// ErrNotLinked means the username belongs to a pre-existing account
	// that the identity settings do not link to this identity.
	ErrNotLinked = errors.New("username belongs to a pre-existing account that is not linked")
	// ErrLinkTargetMissing means identity_links names a username that no
	// Argilla account has.
	ErrLinkTargetMissing = errors.New("linked account not found")
)

// DefaultProvisionTimeout bounds one Provision call when
// Provisioner.Timeout is zero. Argilla 2.8 hashes each new user's password
// while it blocks its other requests: with 50 simultaneous first sign-ins
// on a 2-core machine, the last one finished after about 25 s.
const DefaultProvisionTimeout = 60 * time.Second

// Provisioner creates, links and updates the Argilla accounts of people
// who sign in. It is safe for concurrent use, and so are several processes
// sharing one Argilla: every step can be repeated, and each finds the
// state the others left.
type Provisioner struct {
	client *Client
	log    *slog.Logger
	// Timeout bounds one Provision call, retries included. Zero means
	// DefaultProvisionTimeout.
	Timeout time.Duration
	// RetryDelay is the wait before the first retry of a failed Argilla
	// call. It doubles for each further retry. Zero means 200 ms.
	RetryDelay time.Duration
}

// NewProvisioner returns a provisioner acting through client.
func NewProvisioner(client *Client, log *slog.Logger) *Provisioner {
	return &Provisioner{client: client, log: log}
}

type loggerKey struct{}

// ContextWithLogger returns ctx carrying log. Provision then logs through
// it, so its lines carry the request's attributes, such as request_id.
func ContextWithLogger(ctx context.Context, log *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, log)
}

// Provision returns the Argilla account of a's identity:
//
//  1. with an identity_links entry, the account with the linked username;
//  2. the account whose id is BindingID(provider, subject);
//  3. a pre-existing account that an earlier sign-in linked by username,
//     which carries a link marker in its last name;
//  4. a new account named a.Username, if that username is free;
//  5. the pre-existing account named a.Username, if a.LinkByUsername
//     allows it;
//  6. a new account with DerivedUsername, under the suffix policy.
//
// Otherwise the sign-in is rejected with an *Error whose message says what
// the person can do, and a log line names the setting that would link the
// account. Failed Argilla calls are retried while p.Timeout allows. On
// failure the *Error says what failed, and no account is left half made for
// the next attempt.
func (p *Provisioner) Provision(ctx context.Context, a Account) (*User, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultProvisionTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	log, ok := ctx.Value(loggerKey{}).(*slog.Logger)
	if !ok {
		log = p.log
	}
	s := &signIn{p: p, a: a, id: BindingID(a.Provider, a.Subject), log: log}
	user, err := s.run(ctx)
	if err != nil {
		return nil, userError(a, err, timeout)
	}
	return user, nil
}

// signIn is the state of one Provision call.
type signIn struct {
	p   *Provisioner
	a   Account
	id  string
	log *slog.Logger
}

// errUsernameRace means the username was free when the users were listed
// and taken when the account was created.
var errUsernameRace = errors.New("username taken while the account was being created")

func (s *signIn) run(ctx context.Context) (*User, error) {
	if s.a.Link != "" {
		return s.signInLinked(ctx)
	}

	user, err := s.getUser(ctx, s.id)
	if err != nil {
		return nil, err
	}
	if user != nil {
		return s.signInBound(ctx, user)
	}

	user, err = s.resolve(ctx)
	if errors.Is(err, errUsernameRace) {
		user, err = s.resolve(ctx)
	}
	return user, err
}

// resolve finds or creates the account of an identity that has no account
// with its BindingID.
func (s *signIn) resolve(ctx context.Context) (*User, error) {
	users, err := s.listUsers(ctx)
	if err != nil {
		return nil, err
	}
	for i := range users {
		u := &users[i]
		if u.ID == s.id {
			// Created by a concurrent sign-in since getUser.
			return s.signInBound(ctx, u)
		}
		if bound, ok := linkedTo(u); ok && bound == s.id {
			return s.signInBound(ctx, u)
		}
	}

	taken := findUsername(users, s.a.Username)
	if taken == nil {
		return s.create(ctx, s.a.Username, "first sign-in")
	}
	refusal := s.linkRefusal(taken)
	if refusal == nil {
		return s.linkByUsername(ctx, taken)
	}
	if s.a.Conflict == config.ConflictSuffix {
		derived := DerivedUsername(s.a.Provider, s.a.Subject, s.a.Username)
		if other := findUsername(users, derived); other != nil {
			return nil, s.reject(ctx, other, ErrUsernameTaken, "derived username also taken",
				fmt.Sprintf("sign-in rejected: the Argilla usernames %q and %q both belong to other "+
					"accounts; ask the Argilla administrator for access", s.a.Username, derived))
		}
		return s.create(ctx, derived, "first sign-in; username "+refusal.reason)
	}
	return nil, s.rejectTaken(ctx, taken, refusal)
}

// signInBound finishes the sign-in to an account bound to the identity.
func (s *signIn) signInBound(ctx context.Context, user *User) (*User, error) {
	if isPending(user) {
		return s.finish(ctx, user)
	}
	if s.a.Sync {
		return s.sync(ctx, user)
	}
	return user, nil
}

// signInLinked signs in to the account named by the identity's
// identity_links entry. The configuration is the binding, so nothing is
// written to the account: removing the entry ends the link.
func (s *signIn) signInLinked(ctx context.Context) (*User, error) {
	users, err := s.listUsers(ctx)
	if err != nil {
		return nil, err
	}
	user := findUsername(users, s.a.Link)
	if user == nil {
		s.audit(ctx, slog.LevelWarn, "rejected", s.a.Link, "identity_links names a username that no "+
			"Argilla account has", slog.String("fix", "correct or remove identity link "+s.linkEntry(s.a.Link)))
		return nil, &Error{
			Status:   http.StatusForbidden,
			Rejected: true,
			Message: fmt.Sprintf("sign-in rejected: your %s account is linked to the Argilla account %q, "+
				"which does not exist; ask the Argilla administrator to correct the link",
				s.a.Provider, s.a.Link),
			Err: ErrLinkTargetMissing,
		}
	}
	// NOTE: without state of its own, authproxy cannot tell the first
	// sign-in through a link from later ones, so every one is logged.
	s.audit(ctx, slog.LevelInfo, "linked", user.Username, "identity_links entry",
		slog.String("user_id", user.ID))
	return s.signInBound(ctx, user)
}

// create creates the account of the identity with username. An account
// that will join workspaces is created with the pending marker, which
// finish clears once every membership exists, so that a failure in
// between leaves work that the next sign-in completes.
func (s *signIn) create(ctx context.Context, username, reason string) (*User, error) {
	if _, err := s.p.EnsureWorkspaces(ctx, s.a.Workspaces); err != nil {
		return nil, err
	}
	role := s.a.RoleFor(username)
	newUser := NewUser{
		ID: s.id, Username: username, FirstName: s.firstName(), Role: role, Password: randomPassword(),
	}
	if len(s.a.Workspaces) > 0 {
		newUser.LastName = pendingMarker
	}

	var user *User
	// lostAnswer is set when a create call failed in a way that leaves
	// open whether Argilla created the account.
	lostAnswer := false
	err := s.p.retry(ctx, s.log, "create user", func() error {
		var err error
		user, err = s.p.client.CreateUser(ctx, newUser)
		if err != nil && !isConflict(err) {
			lostAnswer = true
		}
		return err
	})
	if err != nil {
		// A concurrent sign-in of the same identity may have won.
		existing, getErr := s.getUser(ctx, s.id)
		switch {
		case getErr != nil:
			return nil, fmt.Errorf("create user %q: %w", username, err)
		case existing != nil && lostAnswer:
			s.audit(ctx, slog.LevelInfo, "created", existing.Username, reason+"; the create call failed "+
				"but the account exists, so this sign-in or a concurrent one created it",
				slog.String("user_id", existing.ID), slog.String("role", existing.Role))
			return s.signInBound(ctx, existing)
		case existing != nil:
			return s.signInBound(ctx, existing)
		case isConflict(err):
			return nil, errUsernameRace
		}
		return nil, fmt.Errorf("create user %q: %w", username, err)
	}

	s.audit(ctx, slog.LevelInfo, "created", user.Username, reason, slog.String("user_id", user.ID),
		slog.String("role", user.Role), slog.Any("workspaces", s.a.Workspaces))
	if isPending(user) {
		return s.finish(ctx, user)
	}
	return user, nil
}

// finish adds a pending account to its workspaces and clears the marker.
// Concurrent sign-ins of one identity may all run it.
func (s *signIn) finish(ctx context.Context, user *User) (*User, error) {
	workspaces, err := s.p.EnsureWorkspaces(ctx, s.a.Workspaces)
	if err != nil {
		return nil, err
	}
	for _, w := range workspaces {
		if _, err := s.addMember(ctx, w, user.ID); err != nil {
			return nil, err
		}
	}
	var updated *User
	err = s.p.retry(ctx, s.log, "clear pending marker", func() error {
		var err error
		updated, err = s.p.client.UpdateUserLastName(ctx, user.ID, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("clear the pending marker of user %q: %w", user.Username, err)
	}
	return updated, nil
}

// sync brings an existing account's role and memberships in line with
// the sign-in, as Argilla 2.8 does with sync_user: the role is set,
// missing memberships are added and other memberships are removed.
// Two exceptions keep an installation usable: an owner account that
// authproxy did not create keeps its role, and an owner's memberships are
// only added, because Argilla lists every workspace as an owner's.
func (s *signIn) sync(ctx context.Context, user *User) (*User, error) {
	role := s.a.RoleFor(user.Username)
	switch {
	case user.Role == role:
	case user.Role == "owner" && !createdByProxy(user.ID):
		s.log.WarnContext(ctx, "role not synchronised: the account is an owner that authproxy did not create",
			s.attrs(user.Username, slog.String("user_id", user.ID), slog.String("role", user.Role),
				slog.String("requested_role", role))...)
	default:
		var updated *User
		err := s.p.retry(ctx, s.log, "update role", func() error {
			var err error
			updated, err = s.p.client.UpdateUserRole(ctx, user.ID, role)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("update the role of user %q: %w", user.Username, err)
		}
		s.audit(ctx, slog.LevelInfo, "changed", user.Username, "role synchronised (sync_user)",
			slog.String("user_id", user.ID), slog.String("from", user.Role), slog.String("to", role))
		user = updated
	}

	wanted, err := s.p.EnsureWorkspaces(ctx, s.a.Workspaces)
	if err != nil {
		return nil, err
	}
	var current []Workspace
	err = s.p.retry(ctx, s.log, "list user workspaces", func() error {
		var err error
		current, err = s.p.client.ListUserWorkspaces(ctx, user.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list the workspaces of user %q: %w", user.Username, err)
	}

	isCurrent := map[string]bool{}
	for _, w := range current {
		isCurrent[w.ID] = true
	}
	isWanted := map[string]bool{}
	for _, w := range wanted {
		isWanted[w.ID] = true
		if isCurrent[w.ID] {
			continue
		}
		added, err := s.addMember(ctx, w, user.ID)
		if err != nil {
			return nil, err
		}
		if added {
			s.audit(ctx, slog.LevelInfo, "changed", user.Username, "workspace membership added (sync_user)",
				slog.String("user_id", user.ID), slog.String("workspace", w.Name))
		}
	}
	if user.Role == "owner" {
		return user, nil
	}
	for _, w := range current {
		if isWanted[w.ID] {
			continue
		}
		err := s.p.retry(ctx, s.log, "remove workspace member", func() error {
			return s.p.client.RemoveWorkspaceUser(ctx, w.ID, user.ID)
		})
		if IsStatus(err, http.StatusNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("remove user %q from workspace %q: %w", user.Username, w.Name, err)
		}
		s.audit(ctx, slog.LevelInfo, "changed", user.Username, "workspace membership removed (sync_user)",
			slog.String("user_id", user.ID), slog.String("workspace", w.Name))
	}
	return user, nil
}

// addMember adds user to w and reports whether it was not a member yet.
// A conflict means a concurrent sign-in added it first.
func (s *signIn) addMember(ctx context.Context, w Workspace, userID string) (bool, error) {
	err := s.p.retry(ctx, s.log, "add workspace member", func() error {
		return s.p.client.AddWorkspaceUser(ctx, w.ID, userID)
	})
	if isConflict(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("add user %s to workspace %q: %w", userID, w.Name, err)
	}
	return true, nil
}

// getUser returns the user with id, or nil when there is none.
func (s *signIn) getUser(ctx context.Context, id string) (*User, error) {
	var user *User
	err := s.p.retry(ctx, s.log, "get user", func() error {
		var err error
		user, err = s.p.client.GetUser(ctx, id)
		return err
	})
	if IsStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get user %s: %w", id, err)
	}
	return user, nil
}

func (s *signIn) listUsers(ctx context.Context) ([]User, error) {
	var users []User
	err := s.p.retry(ctx, s.log, "list users", func() error {
		var err error
		users, err = s.p.client.ListUsers(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

func findUsername(users []User, username string) *User {
	for i := range users {
		if users[i].Username == username {
			return &users[i]
		}
	}
	return nil
}

// firstName returns the first name, or the username: Argilla requires a
// non-empty first name, and fills it the same way.
func (s *signIn) firstName() string {
	if s.a.FirstName != "" {
		return s.a.FirstName
	}
	return s.a.Username
}

// randomPassword returns a random password that is never stored or shown.
// Accounts made here sign in through the provider only, but Argilla requires
// a password of 8 to 100 characters.
func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return base64.RawURLEncoding.EncodeToString(b)
}
