package argilla

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
)

// refusal is the reason an account cannot be linked to a sign-in by username.
type refusal struct {
	// cause is ErrUsernameTaken or ErrNotLinked.
	cause  error
	reason string
}

// linkRefusal returns why the sign-in may not link u, the account that has
// its username, or nil when it may.
func (s *signIn) linkRefusal(u *User) *refusal {
	if createdByProxy(u.ID) {
		return &refusal{ErrUsernameTaken, "taken by an account that authproxy created for another identity"}
	}
	if _, ok := linkedTo(u); ok {
		return &refusal{ErrUsernameTaken, "taken by an account linked to another identity"}
	}
	if !s.a.LinkByUsername {
		return &refusal{ErrNotLinked, "taken by a pre-existing account that authproxy did not create, " +
			"and link_existing_by_username does not list " + s.a.Provider}
	}
	if s.a.LinkTargets[u.Username] {
		return &refusal{ErrNotLinked, "taken by a pre-existing account that identity_links reserves " +
			"for another identity"}
	}
	if u.Role == "owner" {
		return &refusal{ErrNotLinked, "taken by a pre-existing owner account, and owner accounts are " +
			"linked only by identity_links"}
	}
	if u.LastName != nil && *u.LastName != "" {
		return &refusal{ErrNotLinked, "taken by a pre-existing account with a last name, which linking " +
			"would overwrite with the link marker"}
	}
	return nil
}

// linkByUsername links the pre-existing account u to the identity by
// writing the identity's link marker into its last name. The marker is
// read back, because two providers that both link by username could write
// at once: the later write wins, and the sign-in that lost is rejected.
//
// NOTE: if both sign-ins read the marker back before the second write,
// both succeed. That needs one username on two providers that both link
// by username, within the same fraction of a second.
func (s *signIn) linkByUsername(ctx context.Context, u *User) (*User, error) {
	marker := linkMarker(s.id)
	err := s.p.retry(ctx, s.log, "write link marker", func() error {
		_, err := s.p.client.UpdateUserLastName(ctx, u.ID, marker)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("link user %q: write the link marker: %w", u.Username, err)
	}
	linked, err := s.getUser(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if linked == nil || linked.LastName == nil || *linked.LastName != marker {
		return nil, s.rejectTaken(ctx, u, &refusal{ErrUsernameTaken,
			"linked to another identity by a concurrent sign-in"})
	}
	s.audit(ctx, slog.LevelInfo, "linked", u.Username,
		"pre-existing account with the same username (link_existing_by_username)",
		slog.String("user_id", u.ID), slog.String("role", u.Role))
	if s.a.Sync {
		return s.sync(ctx, linked)
	}
	return linked, nil
}

// rejectTaken rejects the sign-in because u has its username.
func (s *signIn) rejectTaken(ctx context.Context, u *User, r *refusal) error {
	if r.cause == ErrNotLinked {
		return s.reject(ctx, u, r.cause, "username "+r.reason, fmt.Sprintf(
			"sign-in rejected: an Argilla account named %q already exists and is not linked to your %s "+
				"account; ask the Argilla administrator to link it (the server log names the setting)",
			u.Username, s.a.Provider))
	}
	return s.reject(ctx, u, r.cause, "username "+r.reason, fmt.Sprintf(
		"sign-in rejected: the Argilla username %q belongs to another account; ask the Argilla "+
			"administrator for access", u.Username))
}

// reject logs the rejection with the setting that would link the account
// and returns the error shown to the person signing in.
func (s *signIn) reject(ctx context.Context, u *User, cause error, reason, message string) error {
	attrs := []any{slog.String("user_id", u.ID), slog.String("fix",
		"add identity link "+s.linkEntry(u.Username)+" to AUTHPROXY_IDENTITY_LINKS if this "+
			"identity should use that account, or set AUTHPROXY_USERNAME_CONFLICT=suffix to give it "+
			"an account of its own")}
	s.audit(ctx, slog.LevelWarn, "rejected", u.Username, reason, attrs...)
	return &Error{Status: http.StatusConflict, Rejected: true, Message: message, Err: cause}
}

// linkEntry returns the identity_links entry that links the identity to
// username.
func (s *signIn) linkEntry(username string) string {
	return s.a.Provider + ":" + s.a.Subject + "=" + username
}

// audit writes the log line of an account created, linked, rejected or
// changed. user is the Argilla username concerned.
func (s *signIn) audit(ctx context.Context, level slog.Level, action, user, reason string, attrs ...any) {
	all := append([]any{slog.String("action", action), slog.String("reason", reason)}, attrs...)
	s.log.Log(ctx, level, "account "+action, s.attrs(user, all...)...)
}

// attrs returns the identity's log attributes followed by extra.
func (s *signIn) attrs(user string, extra ...any) []any {
	list := []any{
		slog.String("provider", s.a.Provider), slog.String("subject", s.a.Subject),
		slog.String("user", user),
	}
	if user != s.a.Username {
		list = append(list, slog.String("provider_username", s.a.Username))
	}
	return append(list, extra...)
}
