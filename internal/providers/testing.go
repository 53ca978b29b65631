package providers

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
)

// fixedHosts are the public base URLs that providers call unless a setting
// names another host. WithFakeHosts can replace only these.
var fixedHosts = []string{appleIssuer, gitHubWeb, gitHubAPI, gitLabDefault, microsoftLogin, microsoftGraph}

// WithFakeHosts returns a copy of opts in which the fixed public base URLs
// of providers, such as https://appleid.apple.com, are replaced by local
// fakes. Each key of fakes is such a base URL, and its value is the base
// URL of the fake to call instead.
//
// It exists for tests that run the whole proxy against the fakes in package
// fakes, and the authproxy command never calls it. It rejects a key that no
// provider uses, so that a typo cannot leave a test calling the real
// provider. It also rejects a fake that is not an http URL on a loopback
// address, so that sign-ins cannot go to another host.
func WithFakeHosts(opts Options, fakes map[string]string) (Options, error) {
	hosts := make(map[string]string, len(fakes))
	for base, fake := range fakes {
		if !slices.Contains(fixedHosts, base) {
			return Options{}, fmt.Errorf("providers: %q is not a fixed provider host; use one of %s",
				base, strings.Join(fixedHosts, ", "))
		}
		if err := checkLoopbackURL(fake); err != nil {
			return Options{}, fmt.Errorf("providers: fake for %s: %w", base, err)
		}
		hosts[base] = strings.TrimRight(fake, "/")
	}
	opts.hosts = hosts
	return opts, nil
}

// checkLoopbackURL returns an error unless raw is an http URL whose host is
// localhost or a loopback IP address, with no user, path or query.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	if u.Scheme != "http" || u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return fmt.Errorf("URL %q must be http://<loopback address>:<port> without user, path or query", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("URL %q is not on a loopback address; use 127.0.0.1, ::1 or localhost", raw)
	}
	return nil
}
