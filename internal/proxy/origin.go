package proxy

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// origin returns the scheme and host the browser used for r: the public
// URL when configured; otherwise the connection's own, corrected by
// X-Forwarded-Proto and X-Forwarded-Host only when the peer is a trusted
// proxy.
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

// redirectURI returns the redirect URI for provider p, following Argilla's
// rule: the request's origin joined with redirect_uri, the scheme forced to
// http when allow_http_redirect is on and to https otherwise. Unlike
// Argilla, a path is put under ARGILLA_BASE_URL's prefix unless it already
// starts with it, and a configured public URL wins over the request.
func (s *Server) redirectURI(r *http.Request, p config.Provider) string {
	scheme, host := s.origin(r)
	target := p.RedirectURI

	if !strings.HasPrefix(target, "/") {
		// An absolute URL from the configuration; only its scheme follows
		// allow_http_redirect, as in Argilla.
		u, err := url.Parse(target)
		if err == nil {
			u.Scheme = s.forcedScheme()
			return u.String()
		}
		return target
	}

	path := target
	if s.cfg.PublicURL != nil {
		prefix := strings.TrimSuffix(s.cfg.PublicURL.Path, "/")
		if !strings.HasPrefix(path, prefix+"/") {
			path = prefix + path
		}
	} else if base := strings.TrimSuffix(s.cfg.BasePath, "/"); base != "" && !strings.HasPrefix(path, base+"/") {
		path = base + path
	}

	if s.cfg.PublicURL == nil {
		scheme = s.forcedScheme()
	}
	return (&url.URL{Scheme: scheme, Host: host, Path: path}).String()
}

func (s *Server) forcedScheme() string {
	if s.cfg.AllowHTTPRedirect {
		return "http"
	}
	return "https"
}
