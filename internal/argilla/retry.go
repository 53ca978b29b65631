package argilla

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxAttempts bounds the calls made for one step of a sign-in.
const maxAttempts = 4

// retry calls call until it succeeds, fails with an error that a retry
// cannot fix, has been tried maxAttempts times, or ctx ends. It waits
// RetryDelay, then twice that and so on, each wait with up to 50% jitter so
// that replicas do not retry in step.
func (p *Provisioner) retry(ctx context.Context, log *slog.Logger, what string, call func() error) error {
	delay := p.RetryDelay
	if delay <= 0 {
		delay = 200 * time.Millisecond
	}
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil || !transient(err) || attempt == maxAttempts || ctx.Err() != nil {
			return err
		}
		wait := delay + rand.N(delay/2+1)
		log.WarnContext(ctx, "Argilla call failed; retrying", slog.String("call", what),
			slog.Int("attempt", attempt), slog.Duration("retry_in", wait), slog.Any("error", err))
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (%w before the retry)", err, ctx.Err())
		case <-time.After(wait):
		}
		delay *= 2
	}
}

// transient reports whether a retry may succeed where err failed: a
// connection error, a 5xx response other than a conflict, or 429.
func transient(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		if isConflict(err) {
			return false
		}
		return apiErr.Status >= 500 || apiErr.Status == http.StatusTooManyRequests
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var urlErr *url.Error
	return errors.As(err, &urlErr)
}

// isConflict reports whether a create call failed because the id, the
// name or the membership exists: Argilla responds with 409, or with 500
// and an IntegrityError when two inserts race past its uniqueness check.
func isConflict(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.Status == http.StatusConflict ||
		apiErr.Status == http.StatusInternalServerError && strings.Contains(apiErr.Detail, "IntegrityError")
}

// userError turns a failed Provision into the *Error shown to the person
// signing in.
func userError(a Account, err error, timeout time.Duration) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	const retryLater = "; try again in a moment"
	var apiErr *APIError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Status: http.StatusGatewayTimeout, Err: err, Message: fmt.Sprintf(
			"Argilla did not respond within %s while your account was being set up%s", timeout, retryLater)}
	case errors.Is(err, context.Canceled):
		return &Error{Status: http.StatusServiceUnavailable, Err: err,
			Message: "the sign-in was cancelled while your account was being set up" + retryLater}
	case errors.As(err, &apiErr) &&
		(apiErr.Status == http.StatusUnauthorized || apiErr.Status == http.StatusForbidden):
		return &Error{Status: http.StatusBadGateway, Err: err, Message: fmt.Sprintf(
			"Argilla rejected authproxy's API key with status %d while your account was being set up; "+
				"the administrator must set AUTHPROXY_ARGILLA_API_KEY to the API key of an Argilla owner",
			apiErr.Status)}
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusUnprocessableEntity:
		return &Error{Status: http.StatusBadGateway, Err: err, Message: fmt.Sprintf(
			"Argilla rejected the account for username %q: %s", a.Username, apiErr.Detail)}
	case errors.As(err, &apiErr):
		return &Error{Status: http.StatusBadGateway, Err: err, Message: fmt.Sprintf(
			"Argilla responded to %s %s with status %d while your account was being set up%s",
			apiErr.Method, apiErr.Path, apiErr.Status, retryLater)}
	}
	return &Error{Status: http.StatusBadGateway, Err: err,
		Message: "Argilla could not be reached while your account was being set up" + retryLater}
}
