package proxy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
)

// writeJSON writes v as the JSON body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeDetail writes an error in the {"detail": "..."} shape Argilla's web
// UI shows in its toasts.
func writeDetail(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]string{"detail": detail})
}

// writeUnauthorized writes the 401 response Argilla itself sends, which
// makes its web UI sign out and show the sign-in page.
func writeUnauthorized(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnauthorized, map[string]any{
		"detail": map[string]any{
			"code":   "argilla.api.errors::UnauthorizedError",
			"params": map[string]string{"detail": "Could not validate credentials"},
		},
	})
}

type requestIDKey struct{}

// requestID gives every request an id, sent to Argilla and back to the
// client as X-Request-Id and logged as request_id. A client's own
// X-Request-Id is replaced, so log lines cannot be forged into one another.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 12)
		_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
		id := base64.RawURLEncoding.EncodeToString(b)
		r.Header.Set("X-Request-Id", id)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// recoverPanic turns a panic in a handler into a 500 response and a log line.
// http.ErrAbortHandler, which the reverse proxy uses to abort a response,
// passes through.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger(r).Error("handler panicked", slog.Any("panic", v))
				writeDetail(w, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// logger returns the server's logger with r's request id.
func (s *Server) logger(r *http.Request) *slog.Logger {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return s.log.With(slog.String("request_id", id))
}

// handleSignOut clears the session cookie. On sign-out Argilla's web UI
// only deletes its token from local storage, so this endpoint clears the
// cookie as well.
func (s *Server) handleSignOut(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, s.expiredCookie(r, "authproxy_session", s.cfg.BasePath))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.cfg.BasePath, http.StatusSeeOther)
}
