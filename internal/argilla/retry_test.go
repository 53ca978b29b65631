package argilla

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"503", &APIError{Status: http.StatusServiceUnavailable}, true},
		{"500", &APIError{Status: http.StatusInternalServerError}, true},
		{"429", &APIError{Status: http.StatusTooManyRequests}, true},
		{"409", &APIError{Status: http.StatusConflict}, false},
		{"500 for racing inserts", &APIError{Status: http.StatusInternalServerError,
			Detail: "argilla.api.errors::GenericServerError: (sqlite3.IntegrityError) UNIQUE constraint failed"},
			false},
		{"404", &APIError{Status: http.StatusNotFound}, false},
		{"connection refused", fmt.Errorf("argilla: GET /x: %w",
			&url.Error{Op: "Get", URL: "http://127.0.0.1:1/x", Err: errors.New("connection refused")}), true},
		{"deadline", fmt.Errorf("argilla: GET /x: %w",
			&url.Error{Op: "Get", URL: "http://127.0.0.1:1/x", Err: context.DeadlineExceeded}), false},
		{"invalid JSON", errors.New("argilla: GET /x: invalid JSON response"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transient(tt.err); got != tt.want {
				t.Errorf("transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestUserError(t *testing.T) {
	a := Account{Provider: "github", Subject: "1", Username: "alice"}
	rejected := &Error{Status: http.StatusConflict, Rejected: true, Message: "sign-in rejected"}
	tests := []struct {
		name        string
		err         error
		wantStatus  int
		wantMessage string
	}{
		{"rejection kept", rejected, http.StatusConflict, "sign-in rejected"},
		{"time-out", fmt.Errorf("get user: %w", context.DeadlineExceeded), http.StatusGatewayTimeout,
			"did not respond within 1m0s"},
		{"owner key rejected", &APIError{Method: "GET", Path: "/api/v1/users/x", Status: 403},
			http.StatusBadGateway, "AUTHPROXY_ARGILLA_API_KEY"},
		{"invalid username", &APIError{Method: "POST", Path: "/api/v1/users", Status: 422, Detail: "too short"},
			http.StatusBadGateway, `username "alice": too short`},
		{"server error", &APIError{Method: "POST", Path: "/api/v1/users", Status: 503},
			http.StatusBadGateway, "POST /api/v1/users with status 503"},
		{"unreachable", errors.New("connection refused"), http.StatusBadGateway, "could not be reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := userError(a, tt.err, time.Minute)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("userError = %v, want *Error", err)
			}
			if e.Status != tt.wantStatus {
				t.Errorf("status = %d, want %d", e.Status, tt.wantStatus)
			}
			if !strings.Contains(e.Message, tt.wantMessage) {
				t.Errorf("message %q does not contain %q", e.Message, tt.wantMessage)
			}
			if !errors.Is(err, tt.err) && err != tt.err {
				t.Errorf("userError does not wrap %v", tt.err)
			}
		})
	}
}
