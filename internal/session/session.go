package session

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/securecookie"
)

// CookieName is the name of the session cookie.
const CookieName = "authproxy_session"

// tokenIssuer marks tokens made by authproxy, so that the proxy can tell
// them from Argilla's own JWTs, which pass through untouched.
const tokenIssuer = "authproxy"

// Session is a signed-in user. It is stored encrypted in the session cookie.
type Session struct {
	// ID ties the UI token to this cookie: a token works only together
	// with the cookie that carries the same ID.
	ID       string    `json:"id"`
	Provider string    `json:"prv"`
	Subject  string    `json:"sub"`
	UserID   string    `json:"uid"`
	Username string    `json:"usr"`
	APIKey   string    `json:"key"`
	Issued   time.Time `json:"iat"`
	Expires  time.Time `json:"exp"`
}

// ErrInvalid is returned for a cookie or token that does not decode,
// carries a bad signature or has expired.
var ErrInvalid = errors.New("session: invalid or expired")

// NewID returns a random identifier of 128 bits, base64url-encoded.
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return base64.RawURLEncoding.EncodeToString(b)
}

// EncodeSession signs and encrypts s for the session cookie.
func (k *Keys) EncodeSession(s Session) (string, error) {
	return securecookie.EncodeMulti(CookieName, s, k.session...)
}

// DecodeSession decrypts and verifies a session cookie value, then checks
// its expiry against now.
func (k *Keys) DecodeSession(value string, now time.Time) (Session, error) {
	var s Session
	if err := securecookie.DecodeMulti(CookieName, value, &s, k.session...); err != nil {
		return Session{}, ErrInvalid
	}
	if s.ID == "" || !now.Before(s.Expires) {
		return Session{}, ErrInvalid
	}
	return s, nil
}

// tokenClaims is the payload of the UI token. Argilla's web UI reads exp
// to know when to sign out; nothing else in it is trusted by the proxy
// without the session cookie.
type tokenClaims struct {
	Issuer    string `json:"iss"`
	SessionID string `json:"sid"`
	Username  string `json:"username"`
	IssuedAt  int64  `json:"iat"`
	Expires   int64  `json:"exp"`
}

var tokenHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// Token returns the token handed to Argilla's web UI for s: a JWT (HS256)
// carrying the session ID and expiry. It is worthless without the cookie.
func (k *Keys) Token(s Session) string {
	payload, _ := json.Marshal(tokenClaims{
		Issuer: tokenIssuer, SessionID: s.ID, Username: s.Username,
		IssuedAt: s.Issued.Unix(), Expires: s.Expires.Unix(),
	})
	signingInput := tokenHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sign(k.token[0], signingInput))
}

// IsToken reports whether token looks like one made by authproxy. It does
// not verify it: the proxy uses it to keep its tokens from reaching Argilla.
func IsToken(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != tokenHeader {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims tokenClaims
	return json.Unmarshal(payload, &claims) == nil && claims.Issuer == tokenIssuer
}

// VerifyToken checks token's signature and expiry and that it belongs to s.
func (k *Keys) VerifyToken(token string, s Session, now time.Time) error {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ErrInvalid
	}
	signature, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return ErrInvalid
	}
	signingInput := parts[0] + "." + parts[1]
	valid := false
	for _, key := range k.token {
		if hmac.Equal(signature, sign(key, signingInput)) {
			valid = true
			break
		}
	}
	if !valid {
		return ErrInvalid
	}

	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ErrInvalid
	}
	var claims tokenClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return ErrInvalid
	}
	if claims.Issuer != tokenIssuer || now.Unix() >= claims.Expires {
		return ErrInvalid
	}
	if subtle.ConstantTimeCompare([]byte(claims.SessionID), []byte(s.ID)) != 1 {
		return fmt.Errorf("%w: token belongs to another session", ErrInvalid)
	}
	return nil
}

func sign(key []byte, input string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(input))
	return mac.Sum(nil)
}
