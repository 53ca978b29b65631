package fakes

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// appleIssuer is the issuer of Apple's ID tokens and the audience of the
// client secrets Apple accepts.
const appleIssuer = "https://appleid.apple.com"

// appleMaxSecretLifetime is the longest client-secret lifetime Apple
// accepts: six months.
const appleMaxSecretLifetime = 15777000 * time.Second

// Apple is a fake of Sign in with Apple's REST API ("Sign in with Apple
// REST API", https://developer.apple.com/documentation/signinwithapplerestapi;
// "Generate and validate tokens" and "Incorporating Sign in with Apple into
// other platforms"). It serves /auth/authorize, /auth/token and /auth/keys
// like appleid.apple.com, and differs from a plain OpenID Provider as
// Apple does:
//
//   - the client secret is an ES256 JWT signed with the team's key (kid),
//     with iss = team id, sub = client id, aud = https://appleid.apple.com,
//     and an expiry at most six months ahead; anything else is
//     invalid_client;
//   - a request for the name or email scope must use
//     response_mode=form_post, and the callback then arrives as a form POST;
//   - the first authorization of a person posts a "user" JSON object with
//     the name, later ones do not;
//   - ID tokens send email_verified and is_private_email as strings.
type Apple struct {
	*OIDC
	// TeamID and KeyID identify the key that client secrets are signed
	// with.
	TeamID, KeyID string

	publicKey *ecdsa.PublicKey
	mu        sync.Mutex
	consented map[string]bool
	first     map[string]string
}

// NewApple starts a fake Sign in with Apple for the Services ID clientID,
// which accepts client secrets signed with the private key of publicKey.
func NewApple(t testing.TB, teamID, keyID, clientID string, publicKey *ecdsa.PublicKey) *Apple {
	t.Helper()
	layout := Layout{
		Issuer: appleIssuer, Discovery: "/.well-known/openid-configuration", Authorize: "/auth/authorize",
		Token: "/auth/token", JWKS: "/auth/keys", AuthMethods: []string{"client_secret_post"},
	}
	f := &Apple{OIDC: NewOIDC(t, layout), TeamID: teamID, KeyID: keyID, publicKey: publicKey,
		consented: map[string]bool{}, first: map[string]string{}}
	f.OIDC.ClientID, f.OIDC.ClientSecret = clientID, ""
	f.auth.clientID = clientID
	f.auth.authenticate = f.authenticate
	f.auth.extraCallback = f.userParameter
	f.auth.validate = func(q url.Values) error {
		if strings.TrimSpace(q.Get("scope")) != "" && q.Get("response_mode") != "form_post" {
			return errors.New("invalid_request: response_mode must be form_post when name or email scope is requested")
		}
		return nil
	}
	return f
}

// SignInApple chooses the person that the next logins sign in, with the
// name Apple shares on the first authorization only.
func (f *Apple) SignInApple(sub, email, firstName, lastName string) {
	f.SignIn(map[string]any{
		"sub": sub, "email": email, "email_verified": "true", "is_private_email": "false",
		"real_user_status": 2, "nonce_supported": true,
	})
	name, _ := json.Marshal(map[string]any{
		"name":  map[string]string{"firstName": firstName, "lastName": lastName},
		"email": email,
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	f.first[sub] = string(name)
}

// userParameter returns the "user" parameter for a person's first
// authorization and nothing afterwards. Apple also rejects a name or email
// scope without form_post.
func (f *Apple) userParameter(g *grant) url.Values {
	sub, _ := g.user["sub"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.consented[sub] {
		return nil
	}
	f.consented[sub] = true
	if f.first[sub] == "" || g.scope == "" {
		return nil
	}
	return url.Values{"user": {f.first[sub]}}
}

// authenticate checks the client secret JWT of a token request.
func (f *Apple) authenticate(_ *http.Request, form url.Values) error {
	if form.Get("client_id") != f.auth.clientID {
		return errors.New("unknown client_id")
	}
	token, err := jwt.ParseSigned(form.Get("client_secret"), []jose.SignatureAlgorithm{jose.ES256})
	if err != nil {
		return fmt.Errorf("client_secret is not an ES256 JWT: %w", err)
	}
	if len(token.Headers) != 1 || token.Headers[0].KeyID != f.KeyID {
		return errors.New("client_secret names another key id")
	}
	var c jwt.Claims
	if err := token.Claims(f.publicKey, &c); err != nil {
		return fmt.Errorf("client_secret signature: %w", err)
	}
	if err := c.ValidateWithLeeway(jwt.Expected{
		Issuer: f.TeamID, Subject: f.auth.clientID, AnyAudience: jwt.Audience{appleIssuer}, Time: time.Now(),
	}, 0); err != nil {
		return fmt.Errorf("client_secret claims: %w", err)
	}
	if c.Expiry == nil || c.IssuedAt == nil || c.Expiry.Time().Sub(c.IssuedAt.Time()) > appleMaxSecretLifetime {
		return errors.New("client_secret must carry iat and an exp at most six months later")
	}
	return nil
}
