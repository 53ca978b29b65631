package providers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"

	"golang.org/x/oauth2"
)

// Error is a failed login that the person signing in should see.
type Error struct {
	// Status is the HTTP status for the access-token response.
	Status int
	// Code is the provider's error code, such as "access_denied", if any.
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Code != "" {
		msg += " (" + e.Code + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// requestError turns a failed call to a provider into an Error: 504 when
// the call timed out, 502 otherwise. call names the call, such as "the
// token request to github".
func requestError(call string, err error) *Error {
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()) {
		return &Error{Status: http.StatusGatewayTimeout,
			Message: call + " timed out; try again in a moment", Err: err}
	}
	return &Error{Status: http.StatusBadGateway, Message: call + " failed", Err: err}
}

// exchangeError turns a failed token exchange into an Error that carries
// the provider's error code. x/oauth2 reports an "error" field as a
// RetrieveError whatever the HTTP status, so GitHub's 200 responses with
// error=bad_verification_code arrive here too.
func exchangeError(provider string, err error) error {
	var retrieve *oauth2.RetrieveError
	if !errors.As(err, &retrieve) {
		return requestError("the token request to "+provider, err)
	}

	status := http.StatusUnauthorized
	if retrieve.Response != nil && retrieve.Response.StatusCode >= 500 {
		status = http.StatusBadGateway
	}
	msg := provider + " rejected the authorization code"
	switch {
	case retrieve.ErrorDescription != "":
		msg += ": " + retrieve.ErrorDescription
	case retrieve.ErrorCode == "" && retrieve.Response != nil:
		msg += fmt.Sprintf(": HTTP %d", retrieve.Response.StatusCode)
	}
	if retrieve.ErrorCode == "invalid_client" {
		msg += "; check the client id and client secret configured for " + provider
	} else {
		msg += "; start the sign-in again"
	}
	return &Error{Status: status, Code: retrieve.ErrorCode, Message: msg}
}
