package session

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
)

// FlowCookiePrefix starts the name of every login-state cookie. Each login
// gets its own cookie, so several tabs can sign in at once.
const FlowCookiePrefix = "authproxy_flow_"

// Flow is the state of one login between the redirect to the provider and
// the access-token request.
type Flow struct {
	Provider     string    `json:"p"`
	State        string    `json:"s"`
	Nonce        string    `json:"n"`
	CodeVerifier string    `json:"v"`
	RedirectURI  string    `json:"r"`
	Expires      time.Time `json:"e"`
}

// NewFlow starts a login for provider with fresh random state, nonce and
// PKCE verifier.
func NewFlow(provider, redirectURI string, now time.Time, ttl time.Duration) Flow {
	return Flow{
		Provider:     provider,
		State:        randomString(32),
		Nonce:        randomString(32),
		CodeVerifier: randomString(32),
		RedirectURI:  redirectURI,
		Expires:      now.Add(ttl),
	}
}

// FlowCookieName returns the cookie name for the login with state. The name
// is derived from a hash, so it reveals nothing the URL does not.
func FlowCookieName(state string) string {
	sum := sha256.Sum256([]byte(state))
	return FlowCookiePrefix + hex.EncodeToString(sum[:8])
}

// EncodeFlow signs and encrypts f for its cookie.
func (k *Keys) EncodeFlow(f Flow) (string, error) {
	return securecookie.EncodeMulti(FlowCookieName(f.State), f, k.flow...)
}

// DecodeFlow decodes the flow cookie for state and checks that it belongs
// to state and has not expired.
func (k *Keys) DecodeFlow(value, state string, now time.Time) (Flow, error) {
	var f Flow
	if err := securecookie.DecodeMulti(FlowCookieName(state), value, &f, k.flow...); err != nil {
		return Flow{}, ErrInvalid
	}
	if f.State != state || !now.Before(f.Expires) {
		return Flow{}, ErrInvalid
	}
	return f, nil
}

func randomString(bytes int) string {
	b := make([]byte, bytes)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error.
	return base64.RawURLEncoding.EncodeToString(b)
}

// UsedStates remembers states whose access-token request has been served,
// so a flow cookie replayed within its lifetime is rejected. It is local to
// one process.
//
// NOTE: with several replicas a replay can reach another replica within the
// flow lifetime; the provider still rejects a second use of the same code.
type UsedStates struct {
	mu      sync.Mutex
	expires map[string]time.Time
	max     int
}

// NewUsedStates returns an empty set that holds at most max states.
func NewUsedStates(max int) *UsedStates {
	return &UsedStates{expires: map[string]time.Time{}, max: max}
}

// Claim marks state as used until expires and reports whether it was
// unused. When the set is full of unexpired states, Claim rejects.
func (u *UsedStates) Claim(state string, expires, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()

	if _, used := u.expires[state]; used {
		return false
	}
	if len(u.expires) >= u.max {
		for s, e := range u.expires {
			if !now.Before(e) {
				delete(u.expires, s)
			}
		}
		if len(u.expires) >= u.max {
			return false
		}
	}
	u.expires[state] = expires
	return true
}
