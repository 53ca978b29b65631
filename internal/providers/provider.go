// Package providers runs the OAuth2 and OpenID Connect exchanges with the
// identity providers Argilla supports and maps each answer to an Identity.
package providers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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
	Username      string
	FirstName     string
	Email         string
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
	// verified identity.
	Exchange(ctx context.Context, r Request, callback url.Values) (*Identity, error)
	// Check returns nil when the provider can serve logins (its discovery
	// document has been read, for example).
	Check(ctx context.Context) error
}

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

// Options are the settings shared by every provider.
type Options struct {
	// HTTPClient makes every call to providers; it must have a time-out.
	HTTPClient *http.Client
	// Leeway is the clock skew allowed when checking ID token expiry.
	Leeway time.Duration
}

// DefaultHTTPTimeout bounds each call to a provider.
const DefaultHTTPTimeout = 10 * time.Second

// New returns the provider for p.
func New(p config.Provider, opts Options) (Provider, error) {
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	switch p.Name {
	case "keycloak":
		endpoint, _ := p.Setting("OIDC_ENDPOINT")
		return newOIDC(p, endpoint, opts, keycloakIdentity), nil
	}
	return nil, fmt.Errorf("providers: provider %q is not supported yet; supported: keycloak", p.Name)
}

// ErrNotReady means the provider's discovery document could not be read.
var ErrNotReady = errors.New("provider not reachable")
