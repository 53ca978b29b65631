// Package session encodes authproxy's cookies and the token handed to
// Argilla's web UI: the session after sign-in and the short-lived state of
// each login in progress.
package session

import (
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/gorilla/securecookie"
)

// Keys are the keys derived from the configured cookie secrets. The first
// secret's keys sign and encrypt; every secret's keys verify and decrypt,
// so a secret can be rotated without signing everyone out.
type Keys struct {
	session []securecookie.Codec
	flow    []securecookie.Codec
	token   [][]byte
}

// NewKeys derives cookie and token keys from 32-byte secrets with HKDF
// (SHA-256). Each purpose gets its own key, so a value made for one cookie
// never decodes as another.
func NewKeys(secrets [][]byte, sessionTTL, flowTTL time.Duration) (*Keys, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("session: no cookie secret configured")
	}
	k := &Keys{}
	for i, secret := range secrets {
		if len(secret) != 32 {
			return nil, fmt.Errorf("session: cookie secret %d has %d bytes, expected 32", i+1, len(secret))
		}
		sessionCodec, err := newCodec(secret, "session", sessionTTL)
		if err != nil {
			return nil, err
		}
		flowCodec, err := newCodec(secret, "flow", flowTTL)
		if err != nil {
			return nil, err
		}
		tokenKey, err := hkdf.Key(sha256.New, secret, nil, "authproxy token signing", 32)
		if err != nil {
			return nil, err
		}
		k.session = append(k.session, sessionCodec)
		k.flow = append(k.flow, flowCodec)
		k.token = append(k.token, tokenKey)
	}
	return k, nil
}

func newCodec(secret []byte, purpose string, ttl time.Duration) (*securecookie.SecureCookie, error) {
	hashKey, err := hkdf.Key(sha256.New, secret, nil, "authproxy "+purpose+" cookie hmac", 32)
	if err != nil {
		return nil, err
	}
	blockKey, err := hkdf.Key(sha256.New, secret, nil, "authproxy "+purpose+" cookie aes", 32)
	if err != nil {
		return nil, err
	}
	codec := securecookie.New(hashKey, blockKey)
	codec.SetSerializer(securecookie.JSONEncoder{})
	codec.MaxAge(int(ttl.Seconds()))
	// Sessions can exceed securecookie's 4096-byte default only through a
	// very long username; browsers reject cookies above 4096 bytes anyway.
	codec.MaxLength(4096)
	return codec, nil
}
