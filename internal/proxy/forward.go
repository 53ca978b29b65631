package proxy

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"syscall"
	"time"

	"github.com/argilla-authproxy/authproxy/internal/session"
)

// forwardKey is the context key of a forwardInfo.
type forwardKey struct{}

// forwardInfo travels with a forwarded request to ModifyResponse and
// ErrorHandler.
type forwardInfo struct {
	started  time.Time
	signedIn bool
	// secure is the Secure attribute for clearing the session cookie.
	secure bool
	// apiKey is the signed-in user's Argilla API key.
	apiKey string
}

// apiKeyHeader is the header Argilla reads an API key from.
const apiKeyHeader = "X-Argilla-Api-Key"

// handleForward forwards a request to Argilla. A request with authproxy's
// token must also carry the session cookie the token belongs to. Argilla
// then receives the user's API key in place of the token. A request
// without authproxy's token reaches Argilla unchanged apart from
// authproxy's cookies, so API-key clients such as the Python SDK work.
func (s *Server) handleForward(w http.ResponseWriter, r *http.Request) {
	if s.ownsPath(r) {
		s.logger(r).Info("request rejected: unknown path under the proxy's own prefix", slog.String("path", r.URL.Path))
		writeDetail(w, http.StatusNotFound, "not found")
		return
	}
	sessionCookie := removeProxyCookies(r)
	removeHeaderSpellings(r.Header, apiKeyHeader, true)

	info := forwardInfo{started: time.Now(), secure: s.secureCookies(r)}
	token, hasBearer := bearerToken(r)
	if !hasBearer || !session.IsToken(token) {
		s.forward.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), forwardKey{}, info)))
		return
	}

	sess, err := s.sessionFor(sessionCookie, token)
	if err != nil {
		s.logger(r).Info("request rejected: token without a valid session cookie", slog.String("reason", err.Error()))
		if sessionCookie != nil {
			http.SetCookie(w, s.expiredCookie(r, session.CookieName, s.cfg.BasePath))
		}
		writeUnauthorized(w)
		s.metrics.forward(http.StatusUnauthorized, false, info.started)
		return
	}

	r.Header.Del("Authorization")
	removeHeaderSpellings(r.Header, apiKeyHeader, false)
	info.signedIn = true
	info.apiKey = sess.APIKey
	s.forward.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), forwardKey{}, info)))
}

// sessionFor returns the session in cookie if token belongs to it.
func (s *Server) sessionFor(cookie *http.Cookie, token string) (session.Session, error) {
	if cookie == nil {
		return session.Session{}, errors.New("no session cookie")
	}
	now := s.now()
	sess, err := s.keys.DecodeSession(cookie.Value, now)
	if err != nil {
		return session.Session{}, err
	}
	if err := s.keys.VerifyToken(token, sess, now); err != nil {
		return session.Session{}, err
	}
	return sess, nil
}

// removeProxyCookies removes authproxy's cookies from the Cookie header, so
// they never reach Argilla, and returns the session cookie, if any.
func removeProxyCookies(r *http.Request) *http.Cookie {
	cookies := r.Cookies()
	if len(cookies) == 0 {
		return nil
	}
	var sessionCookie *http.Cookie
	kept := make([]string, 0, len(cookies))
	for _, c := range cookies {
		switch {
		case c.Name == session.CookieName:
			sessionCookie = c
		case strings.HasPrefix(c.Name, session.FlowCookiePrefix):
		default:
			kept = append(kept, c.Name+"="+c.Value)
		}
	}
	r.Header.Del("Cookie")
	if len(kept) > 0 {
		r.Header.Set("Cookie", strings.Join(kept, "; "))
	}
	return sessionCookie
}

// removeHeaderSpellings deletes every header whose name equals name when
// compared case-insensitively with "_" read as "-", as some servers do. With
// variantsOnly set, the canonical spelling itself is kept.
func removeHeaderSpellings(h http.Header, name string, variantsOnly bool) {
	canonical := http.CanonicalHeaderKey(name)
	want := normalizeHeaderName(name)
	for key := range h {
		if normalizeHeaderName(key) != want {
			continue
		}
		if variantsOnly && key == canonical {
			continue
		}
		delete(h, key)
	}
}

func normalizeHeaderName(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "_", "-"))
}

// bearerToken returns the credentials of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// upstreamFailure describes err for a client without internal addresses.
func upstreamFailure(err error) string {
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return "Argilla did not respond in time"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "Argilla is not reachable"
	case errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return "Argilla closed the connection"
	}
	return "Argilla is not reachable"
}

func (s *Server) newReverseProxy() *httputil.ReverseProxy {
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &httputil.ReverseProxy{
		Transport: transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			// Rewrite has already removed the client's X-Forwarded-* and
			// Forwarded headers; a trusted proxy's are put back.
			forwardedFor := ""
			if s.fromTrustedProxy(pr.In) {
				forwardedFor = pr.In.Header.Get("X-Forwarded-For")
			}
			pr.SetURL(s.cfg.Upstream)
			pr.Out.Host = pr.In.Host
			clientIP, _, err := net.SplitHostPort(pr.In.RemoteAddr)
			if err == nil {
				if forwardedFor != "" {
					clientIP = forwardedFor + ", " + clientIP
				}
				pr.Out.Header.Set("X-Forwarded-For", clientIP)
			}
			scheme, host := s.origin(pr.In)
			pr.Out.Header.Set("X-Forwarded-Proto", scheme)
			pr.Out.Header.Set("X-Forwarded-Host", host)

			// The key is set here, after the reverse proxy has removed the
			// hop-by-hop headers, so that a client's "Connection:
			// X-Argilla-Api-Key" cannot remove it and end the session.
			if info, _ := pr.In.Context().Value(forwardKey{}).(forwardInfo); info.signedIn {
				pr.Out.Header.Set(apiKeyHeader, info.apiKey)
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			// Argilla rejects the API key of a user who was deleted or
			// whose key changed: the session is over.
			info, _ := resp.Request.Context().Value(forwardKey{}).(forwardInfo)
			s.metrics.forward(resp.StatusCode, info.signedIn, info.started)
			if info.signedIn && resp.StatusCode == http.StatusUnauthorized {
				expired := &http.Cookie{
					Name: session.CookieName, Path: s.cfg.BasePath, MaxAge: -1,
					HttpOnly: true, Secure: info.secure, SameSite: http.SameSiteLaxMode,
				}
				resp.Header.Add("Set-Cookie", expired.String())
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			info, _ := r.Context().Value(forwardKey{}).(forwardInfo)
			s.metrics.forward(http.StatusBadGateway, info.signedIn, info.started)
			s.logger(r).Error("forward to Argilla failed", slog.Any("error", err))
			writeDetail(w, http.StatusBadGateway, "the request to Argilla failed: "+upstreamFailure(err))
		},
	}
}
