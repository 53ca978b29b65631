package config

import (
	"net/url"
	"strings"
)

// RedirectURI returns the redirect URI sent to provider p for a request
// that the browser sent to host (with port, if any).
//
// It follows Argilla 2.8, which joins the request's base URL with
// redirect_uri and then forces the scheme to http when allow_http_redirect
// is true and to https otherwise, so the request's own scheme never
// counts. authproxy differs in two ways:
//
//   - A configured public URL replaces the request's scheme and host.
//   - A path is put under the base path: the public URL's path when it has
//     one, else ARGILLA_BASE_URL's. Argilla leaves ARGILLA_BASE_URL out, so
//     operators under a prefix wrote it into redirect_uri. A path that
//     already starts with the prefix is therefore kept as it is.
//
// An absolute redirect_uri is used as written, except that its scheme is
// forced as Argilla forces it.
func (c *Config) RedirectURI(p Provider, host string) string {
	target, err := url.Parse(p.RedirectURI)
	if err != nil {
		// Load rejects such a value, so this is a Config built by hand.
		return p.RedirectURI
	}
	if target.IsAbs() {
		absolute := *target
		absolute.Scheme = c.redirectScheme()
		return absolute.String()
	}

	scheme, prefix := c.redirectScheme(), strings.TrimSuffix(c.BasePath, "/")
	if c.PublicURL != nil {
		scheme, host = c.PublicURL.Scheme, c.PublicURL.Host
		if path := strings.TrimSuffix(c.PublicURL.Path, "/"); path != "" {
			prefix = path
		}
	}

	// The path is joined in its escaped form, so an escaped character in
	// redirect_uri, such as %2F, stays escaped.
	path := target.EscapedPath()
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	prefix = (&url.URL{Path: prefix}).EscapedPath()
	if prefix != "" && path != prefix && !strings.HasPrefix(path, prefix+"/") {
		path = prefix + path
	}
	u := &url.URL{Scheme: scheme, Host: host, RawPath: path, RawQuery: target.RawQuery}
	// PathUnescape cannot fail here, because both parts come from
	// EscapedPath.
	u.Path, _ = url.PathUnescape(path)
	return u.String()
}

// redirectScheme is the scheme Argilla forces onto redirect URIs.
func (c *Config) redirectScheme() string {
	if c.AllowHTTPRedirect {
		return "http"
	}
	return "https"
}
