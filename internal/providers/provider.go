// Package providers runs the OAuth2 and OpenID Connect exchanges with the
// identity providers Argilla supports and maps each response to an Identity.
//
// The provider names, the settings each one reads and their defaults follow
// social-core 4.5.6 (social_core/backends/*.py), which Argilla 2.8 loads, so an
// Argilla .oauth.yml and its SOCIAL_AUTH_* variables keep working.
package providers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// Identity is a person as a provider describes them after sign-in.
type Identity struct {
	// Provider is the provider's name, such as "keycloak".
	Provider string
	// Subject is the provider's stable id for the person: the OIDC "sub"
	// claim, or GitHub's numeric user id. The account binding uses it.
	Subject string
	// Username is the Argilla username, chosen by Argilla's rules for the
	// provider.
	Username string
	// FirstName is the given name, or the username when the provider sends
	// no name.
	FirstName string
	Email     string
	// EmailVerified is true only when the provider states that it verified
	// Email. Allow-lists accept verified addresses only.
	EmailVerified bool
	// RealmRoles are Keycloak's realm_access.roles.
	RealmRoles []string
}

// Request carries one login's values from the start to the exchange.
type Request struct {
	State        string
	Nonce        string
	CodeVerifier string
	// RedirectURI is sent to the provider at the start and again in the
	// token exchange; the two must be identical.
	RedirectURI string
}

// Provider is one configured identity provider.
type Provider interface {
	// Name returns the provider's name as configured.
	Name() string
	// AuthCodeURL returns the provider URL that starts a login.
	AuthCodeURL(ctx context.Context, r Request) (string, error)
	// Exchange redeems the authorization code from callback and returns the
	// verified identity. callback holds every parameter the provider sent
	// to the redirect URI (Apple adds "user" on the first sign-in).
	Exchange(ctx context.Context, r Request, callback url.Values) (*Identity, error)
	// Check returns nil when the provider can serve logins (its discovery
	// document has been read, for example).
	Check(ctx context.Context) error
}

// Options are the settings shared by every provider.
type Options struct {
	// HTTPClient makes every call to providers. A nil client, or one without
	// a time-out, is replaced by a client with DefaultHTTPTimeout.
	HTTPClient *http.Client
	// Leeway is the clock skew allowed when checking an ID token's expiry;
	// zero or less means DefaultLeeway.
	Leeway time.Duration
	// Logger receives provider failures that do not fail the login, such as
	// an unreadable GitHub email list. Nil discards them.
	Logger *slog.Logger

	// hosts replaces the fixed public base URLs of providers that have no
	// setting for them (https://github.com, https://appleid.apple.com, ...)
	// with local fakes. Tests set it; it is nil in production.
	hosts map[string]string
}

// DefaultHTTPTimeout bounds each call to a provider.
const DefaultHTTPTimeout = 10 * time.Second

// DefaultLeeway is the clock skew allowed by default between this host and
// the provider when checking ID token expiry.
const DefaultLeeway = time.Minute

// host returns base, or the fake that replaces it in tests.
func (o Options) host(base string) string {
	if fake, ok := o.hosts[base]; ok {
		return fake
	}
	return base
}

func (o Options) withDefaults() Options {
	switch {
	case o.HTTPClient == nil:
		o.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	case o.HTTPClient.Timeout <= 0:
		client := *o.HTTPClient
		client.Timeout = DefaultHTTPTimeout
		o.HTTPClient = &client
	}
	if o.Leeway <= 0 {
		o.Leeway = DefaultLeeway
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// constructor builds one provider from its configuration.
type constructor func(p config.Provider, opts Options) (Provider, error)

// constructors maps every social-core backend name authproxy supports to its
// constructor.
var constructors = map[string]constructor{
	"huggingface":           newHuggingFace,
	"keycloak":              newKeycloak,
	"google-oauth2":         newGoogle,
	"oidc":                  newGenericOIDC,
	"okta-openidconnect":    newOkta,
	"auth0":                 newAuth0,
	"azuread-tenant-oauth2": newAzureADTenant,
	"apple-id":              newApple,
	"github":                newGitHub,
	"github-enterprise":     newGitHubEnterprise,
	"github-org":            newGitHubOrg,
	"github-team":           newGitHubTeam,
	"gitlab":                newGitLab,
	"microsoft-graph":       newMicrosoftGraph,
}

// Names returns the provider names New supports, sorted.
func Names() []string {
	names := make([]string, 0, len(constructors))
	for name := range constructors {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// New returns the provider for p. It fails when p names an unsupported
// provider or when a setting the provider needs is missing or invalid. The
// error message names the setting and the fix.
func New(p config.Provider, opts Options) (Provider, error) {
	build, ok := constructors[p.Name]
	if !ok {
		return nil, fmt.Errorf("providers: provider %q is not supported; use one of %s",
			p.Name, strings.Join(Names(), ", "))
	}
	opts = opts.withDefaults()

	provider, err := build(p, opts)
	if err != nil {
		return nil, fmt.Errorf("providers: %s: %w", p.Name, err)
	}
	allow := newAllowList(p)
	if allow.empty() {
		return provider, nil
	}
	return &allowListed{Provider: provider, allow: allow}, nil
}

// ErrNotReady means the provider's discovery document could not be read.
var ErrNotReady = errors.New("provider not reachable")

// ErrIssuerMismatch means the provider names itself by another issuer than
// the configured one. Retrying does not help: the configuration must change.
var ErrIssuerMismatch = errors.New("issuer mismatch")
