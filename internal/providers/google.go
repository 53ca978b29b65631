package providers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// googleIssuer is Google's OpenID Connect issuer. Google's ID tokens may
// carry "accounts.google.com" without the scheme; go-oidc accepts that
// spelling for this issuer only.
const googleIssuer = "https://accounts.google.com"

// newGoogle returns Google's sign-in as OpenID Connect. social-core's
// GoogleOAuth2 reads the same people from Google's userinfo endpoint; the
// ID token is verified here as well.
func newGoogle(p config.Provider, opts Options) (Provider, error) {
	spec, err := endpointSpec(p, googleIssuer, "")
	if err != nil {
		return nil, err
	}
	spec.defaultScopes = []string{oidc.ScopeOpenID, "email", "profile"}
	spec.mapper = func(c claims, _ url.Values) (*Identity, error) { return googleIdentity(p, c) }
	return newOIDC(p, spec, opts), nil
}

// googleIdentity maps Google's claims with Argilla's rule: the username is
// the local part of the email address. Because anyone could otherwise take
// a username with an address they do not own, the address must be
// verified.
func googleIdentity(p config.Provider, c claims) (*Identity, error) {
	email := c.str("email")
	if email == "" {
		return nil, &Error{Status: http.StatusUnprocessableEntity,
			Message: "google-oauth2 sent no email address, from which the Argilla username is made; " +
				"ask the administrator to include the email scope"}
	}
	if !c.boolean("email_verified") {
		return nil, &Error{Status: http.StatusForbidden,
			Message: "Google has not verified the email address " + strconv.Quote(email) +
				"; verify it in your Google account and sign in again"}
	}

	username, _, _ := strings.Cut(email, "@")
	claim := usernameKey(p, "")
	if claim != "" {
		username = c.str(claim)
	} else {
		claim = "email"
	}
	if err := requireUsername(p.Name, claim, username); err != nil {
		return nil, err
	}

	firstName := c.str("given_name")
	if firstName == "" {
		firstName = firstWord(c.str("name"))
	}
	return withFirstNameFallback(&Identity{
		Username:      username,
		FirstName:     firstName,
		Email:         email,
		EmailVerified: true,
	}), nil
}
