package proxy

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// origin returns the scheme and host the browser used for r. A configured
// public URL wins. Otherwise the connection's own values are used, and
// X-Forwarded-Proto and X-Forwarded-Host correct them only when the peer is
// a trusted proxy.
func (s *Server) origin(r *http.Request) (scheme, host string) {
	if s.cfg.PublicURL != nil {
		return s.cfg.PublicURL.Scheme, s.cfg.PublicURL.Host
	}
	scheme, host = "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if !s.fromTrustedProxy(r) {
		return scheme, host
	}
	if proto := firstValue(r.Header.Get("X-Forwarded-Proto")); proto == "http" || proto == "https" {
		scheme = proto
	}
	if forwardedHost := firstValue(r.Header.Get("X-Forwarded-Host")); forwardedHost != "" {
		host = forwardedHost
	}
	return scheme, host
}

// firstValue returns the first element of a comma-separated header value:
// the one the outermost proxy set.
func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

func (s *Server) fromTrustedProxy(r *http.Request) bool {
	if len(s.cfg.TrustedProxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, prefix := range s.cfg.TrustedProxies {
		if prefix.Contains(addr) {
			return true
		}
	}
	return false
}

// secureCookies reports whether cookies for r get the Secure attribute: always,
// unless the origin is plain http and allow_http_redirect is on, because a
// browser drops a Secure cookie set over http and the login would loop.
func (s *Server) secureCookies(r *http.Request) bool {
	scheme, _ := s.origin(r)
	return scheme == "https" || !s.cfg.AllowHTTPRedirect
}

// redirectURI returns the redirect URI for provider p on request r, by the
// rules of config.Config.RedirectURI. The proxy stores the result in the
// login's flow cookie and sends that copy in the token exchange, so both
// requests to the provider carry the same URI.
func (s *Server) redirectURI(r *http.Request, p config.Provider) string {
	_, host := s.origin(r)
	return s.cfg.RedirectURI(p, host)
}
