package config

import (
	"net/url"
	"testing"
)

func TestRedirectURI(t *testing.T) {
	tests := []struct {
		name        string
		redirectURI string // the provider's redirect_uri; empty for the default
		allowHTTP   bool
		basePath    string // ARGILLA_BASE_URL, normalised; "/" when empty
		publicURL   string
		host        string
		want        string
	}{
		{
			name: "Argilla's rule: request host, https forced",
			host: "argilla.example.com", want: "https://argilla.example.com/oauth/github/callback",
		},
		{
			name: "allow_http_redirect forces http", allowHTTP: true,
			host: "localhost:6900", want: "http://localhost:6900/oauth/github/callback",
		},
		{
			name: "IPv6 host with port",
			host: "[::1]:6901", want: "https://[::1]:6901/oauth/github/callback",
		},
		{
			name: "base path added", basePath: "/argilla/",
			host: "example.com", want: "https://example.com/argilla/oauth/github/callback",
		},
		{
			name: "path already under the base path kept", basePath: "/argilla/",
			redirectURI: "/argilla/oauth/github/callback",
			host:        "example.com", want: "https://example.com/argilla/oauth/github/callback",
		},
		{
			name: "base path matched by whole segments", basePath: "/argilla/",
			redirectURI: "/argillax/oauth/github/callback",
			host:        "example.com", want: "https://example.com/argilla/argillax/oauth/github/callback",
		},
		{
			name: "path without leading slash", basePath: "/argilla/",
			redirectURI: "oauth/github/callback",
			host:        "example.com", want: "https://example.com/argilla/oauth/github/callback",
		},
		{
			name: "public URL wins over the request", publicURL: "https://public.example.com",
			host: "internal:6901", want: "https://public.example.com/oauth/github/callback",
		},
		{
			name: "public URL path is the prefix", publicURL: "https://public.example.com/team/", basePath: "/argilla/",
			host: "internal:6901", want: "https://public.example.com/team/oauth/github/callback",
		},
		{
			name: "public URL without path takes the base path", publicURL: "https://public.example.com", basePath: "/argilla/",
			host: "internal:6901", want: "https://public.example.com/argilla/oauth/github/callback",
		},
		{
			name: "public URL keeps its http scheme", publicURL: "http://localhost:8080", allowHTTP: true,
			host: "internal:6901", want: "http://localhost:8080/oauth/github/callback",
		},
		{
			name:        "absolute redirect_uri as written, https forced",
			redirectURI: "http://argilla.example.com/oauth/github/callback",
			host:        "internal", want: "https://argilla.example.com/oauth/github/callback",
		},
		{
			name: "absolute redirect_uri with allow_http_redirect", allowHTTP: true,
			redirectURI: "https://argilla.example.com/oauth/github/callback",
			host:        "internal", want: "http://argilla.example.com/oauth/github/callback",
		},
		{
			name:      "absolute redirect_uri wins over public URL and base path",
			publicURL: "https://public.example.com/team/", basePath: "/argilla/",
			redirectURI: "https://login.example.com/oauth/github/callback",
			host:        "internal", want: "https://login.example.com/oauth/github/callback",
		},
		{
			name: "query kept", redirectURI: "/oauth/github/callback?tenant=a",
			host: "example.com", want: "https://example.com/oauth/github/callback?tenant=a",
		},
		{
			name: "escaped character kept", basePath: "/argilla/", redirectURI: "/oauth/a%2Fb/callback",
			host: "example.com", want: "https://example.com/argilla/oauth/a%2Fb/callback",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Config{AllowHTTPRedirect: tt.allowHTTP, BasePath: tt.basePath}
			if c.BasePath == "" {
				c.BasePath = "/"
			}
			if tt.publicURL != "" {
				u, err := url.Parse(tt.publicURL)
				if err != nil {
					t.Fatal(err)
				}
				c.PublicURL = u
			}
			p := Provider{Name: "github", RedirectURI: tt.redirectURI}
			if p.RedirectURI == "" {
				p.RedirectURI = "/oauth/github/callback"
			}
			if got := c.RedirectURI(p, tt.host); got != tt.want {
				t.Errorf("RedirectURI = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRedirectURIFromLoad checks RedirectURI on a loaded configuration, so
// the loader's normalised base path and public URL meet the same rules.
func TestRedirectURIFromLoad(t *testing.T) {
	c := mustLoad(t, fixture{
		file: "providers:\n  - {name: github, client_id: a, client_secret: b}\n",
		env:  env("ARGILLA_BASE_URL=argilla"),
	})
	if got, want := c.RedirectURI(c.Providers[0], "example.com"), "https://example.com/argilla/oauth/github/callback"; got != want {
		t.Errorf("RedirectURI = %q, want %q", got, want)
	}
}
