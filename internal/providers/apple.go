package providers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// appleIssuer is Sign in with Apple's issuer and the audience of the client
// secrets it accepts.
const appleIssuer = "https://appleid.apple.com"

// appleSecretLifetime is the lifetime of each client secret this proxy
// signs. Apple accepts up to six months; a new one is made per sign-in.
const appleSecretLifetime = 5 * time.Minute

// newApple returns Sign in with Apple as social-core's apple-id backend
// configures it:
//
//   - TEAM is the Apple team id and KEY the id of the Sign in with Apple
//     key. The client secret is a JWT signed with that key (ES256).
//   - SECRET (or client_secret in the file) is the key's .p8 file content.
//     A ready-made client-secret JWT, which Argilla itself sends as it is,
//     is accepted too.
//   - The client id is the Services ID: client_id in the file or
//     OAUTH2_APPLE-ID_CLIENT_ID, else CLIENT. Argilla falls back to KEY for
//     the client id, which for Apple is the key id, so that value is
//     skipped.
//
// Apple sends the callback as a form POST (response_mode=form_post) that
// carries the person's name as JSON in "user", on the first sign-in only.
func newApple(p config.Provider, opts Options) (Provider, error) {
	teamID, _ := p.Setting("TEAM")
	keyID, _ := p.Setting("KEY")
	clientID := p.ClientID
	if clientID == "" || clientID == keyID {
		clientID, _ = p.Setting("CLIENT")
	}
	switch {
	case teamID == "":
		return nil, errors.New("missing Apple team id; set " + settingVar(p, "TEAM"))
	case clientID == "" || clientID == keyID:
		return nil, errors.New("missing Services ID; set client_id in the file or " + settingVar(p, "CLIENT"))
	case p.ClientSecret == "":
		return nil, errors.New("missing private key; set " + settingVar(p, "SECRET") + " to the content of the .p8 key file")
	}
	secretSource := "client_secret in the file, OAUTH2_APPLE-ID_CLIENT_SECRET or " + settingVar(p, "SECRET")
	secret, err := appleClientSecret(teamID, keyID, clientID, p.ClientSecret, secretSource)
	if err != nil {
		return nil, err
	}

	cfg := p
	cfg.ClientID = clientID
	base := opts.host(appleIssuer)
	spec := oidcSpec{
		issuer: appleIssuer,
		static: &discoveryDocument{
			Issuer:                appleIssuer,
			AuthorizationEndpoint: base + "/auth/authorize",
			TokenEndpoint:         base + "/auth/token",
			JWKSURI:               base + "/auth/keys",
			SigningAlgorithms:     []string{"RS256"},
		},
		defaultScopes: []string{"name", "email"},
		// Apple requires form_post when name or email is requested.
		authParams:   []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("response_mode", "form_post")},
		authStyle:    oauth2.AuthStyleInParams,
		clientSecret: secret,
	}
	emailAsUsername, _ := p.Setting("EMAIL_AS_USERNAME")
	useEmail, _ := strconv.ParseBool(emailAsUsername)
	spec.mapper = func(c claims, callback url.Values) (*Identity, error) {
		return appleIdentity(p.Name, c, callback, useEmail, opts.Logger)
	}
	return newOIDC(cfg, spec, opts), nil
}

// appleClientSecret returns the function that makes the client secret for
// one token request from the .p8 private key in secret.
func appleClientSecret(teamID, keyID, clientID, secret, secretSource string) (func() (string, error), error) {
	if !strings.Contains(secret, "-----BEGIN") && strings.Count(secret, ".") == 2 {
		return func() (string, error) { return secret, nil }, nil
	}
	if keyID == "" {
		return nil, errors.New("missing key id; set SOCIAL_AUTH_APPLE_ID_KEY to the id of the Sign in with Apple key")
	}
	key, err := parseP8(secret)
	if err != nil {
		return nil, fmt.Errorf("the client secret (%s) must be the .p8 key file: %w; "+
			"paste the whole file, including its BEGIN and END lines", secretSource, err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key},
		(&jose.SignerOptions{}).WithHeader("kid", keyID).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("apple client secret signer: %w", err)
	}
	return func() (string, error) {
		now := time.Now()
		return jwt.Signed(signer).Claims(jwt.Claims{
			Issuer:   teamID,
			Subject:  clientID,
			Audience: jwt.Audience{appleIssuer},
			IssuedAt: jwt.NewNumericDate(now),
			Expiry:   jwt.NewNumericDate(now.Add(appleSecretLifetime)),
		}).Serialize()
	}, nil
}

// parseP8 parses Apple's .p8 key: a PEM PKCS #8 (or SEC 1) P-256 private
// key. Line breaks written as \n, as in many .env files, are accepted.
func parseP8(secret string) (*ecdsa.PrivateKey, error) {
	if !strings.Contains(secret, "\n") {
		secret = strings.ReplaceAll(secret, `\n`, "\n")
	}
	block, _ := pem.Decode([]byte(strings.TrimSpace(secret)))
	if block == nil {
		return nil, errors.New("not a PEM private key")
	}
	var key any
	var err error
	if block.Type == "EC PRIVATE KEY" {
		key, err = x509.ParseECPrivateKey(block.Bytes)
	} else {
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("invalid private key: %w", err)
	}
	ecKey, ok := key.(*ecdsa.PrivateKey)
	if !ok || ecKey.Curve != elliptic.P256() {
		return nil, errors.New("not a P-256 elliptic-curve key")
	}
	return ecKey, nil
}

// appleIdentity maps Apple's claims as social-core does: the username is
// the subject, or the email with EMAIL_AS_USERNAME. The first name comes
// from the "user" JSON that Apple posts on the first sign-in only; later
// sign-ins keep the name Argilla stored.
func appleIdentity(provider string, c claims, callback url.Values, useEmail bool, log *slog.Logger) (*Identity, error) {
	username, claim := c.str("sub"), "sub"
	if useEmail {
		username, claim = c.str("email"), "email"
	}
	if err := requireUsername(provider, claim, username); err != nil {
		return nil, err
	}

	var user struct {
		Name struct {
			FirstName string `json:"firstName"`
		} `json:"name"`
	}
	if raw := callback.Get("user"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &user); err != nil {
			log.Warn("ignored Apple's user parameter", slog.String("provider", provider), slog.Any("error", err))
		}
	}
	return withFirstNameFallback(&Identity{
		Username:      username,
		FirstName:     user.Name.FirstName,
		Email:         c.str("email"),
		EmailVerified: c.boolean("email_verified"),
	}), nil
}
