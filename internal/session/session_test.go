package session

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func testSecret(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func mustKeys(t *testing.T, secrets ...[]byte) *Keys {
	t.Helper()
	k, err := NewKeys(secrets, time.Hour, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func testSession(now time.Time) Session {
	return Session{
		ID: NewID(), Provider: "keycloak", Subject: "sub-1", UserID: "u-1",
		Username: "alice", APIKey: "argilla.apikey", Issued: now, Expires: now.Add(time.Hour),
	}
}

func TestSessionRoundTrip(t *testing.T) {
	now := time.Now()
	k := mustKeys(t, testSecret(1))
	s := testSession(now)

	value, err := k.EncodeSession(s)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(value, "argilla.apikey") || strings.Contains(value, "alice") {
		t.Errorf("cookie value shows session content in clear text: %q", value)
	}
	got, err := k.DecodeSession(value, now)
	if err != nil {
		t.Fatalf("DecodeSession: %v", err)
	}
	if got.ID != s.ID || got.APIKey != s.APIKey || got.Username != s.Username {
		t.Errorf("decoded session = %+v, want %+v", got, s)
	}
}

func TestSessionRejects(t *testing.T) {
	now := time.Now()
	k := mustKeys(t, testSecret(1))
	other := mustKeys(t, testSecret(2))
	s := testSession(now)
	value, _ := k.EncodeSession(s)
	expired := s
	expired.Expires = now.Add(-time.Second)
	expiredValue, _ := k.EncodeSession(expired)
	flowValue, _ := k.EncodeFlow(NewFlow("keycloak", "http://x/cb", now, time.Minute))

	cases := map[string]struct {
		keys  *Keys
		value string
	}{
		"other secret":       {other, value},
		"expired":            {k, expiredValue},
		"tampered":           {k, value[:len(value)-4] + "AAAA"},
		"empty":              {k, ""},
		"flow cookie reused": {k, flowValue},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := c.keys.DecodeSession(c.value, now); err == nil {
				t.Error("DecodeSession accepted the value")
			}
		})
	}
}

func TestSessionRotation(t *testing.T) {
	now := time.Now()
	old := mustKeys(t, testSecret(1))
	value, _ := old.EncodeSession(testSession(now))

	rotated := mustKeys(t, testSecret(2), testSecret(1))
	if _, err := rotated.DecodeSession(value, now); err != nil {
		t.Errorf("session signed with the second secret rejected after rotation: %v", err)
	}
	newValue, _ := rotated.EncodeSession(testSession(now))
	if _, err := old.DecodeSession(newValue, now); err == nil {
		t.Error("new session decodes with the old secret alone, so the first secret does not sign")
	}
}

func TestNewKeysRejectsBadSecret(t *testing.T) {
	if _, err := NewKeys([][]byte{make([]byte, 16)}, time.Hour, time.Minute); err == nil {
		t.Error("16-byte secret accepted")
	}
	if _, err := NewKeys(nil, time.Hour, time.Minute); err == nil {
		t.Error("empty secret list accepted")
	}
}

func TestTokenBoundToSession(t *testing.T) {
	now := time.Now()
	k := mustKeys(t, testSecret(1))
	s := testSession(now)
	token := k.Token(s)

	if !IsToken(token) {
		t.Fatal("IsToken does not recognise a token made by Token")
	}
	if err := k.VerifyToken(token, s, now); err != nil {
		t.Errorf("VerifyToken with its own session: %v", err)
	}

	other := testSession(now)
	if err := k.VerifyToken(token, other, now); err == nil {
		t.Error("token accepted with another session's cookie")
	}
	if err := k.VerifyToken(token, s, s.Expires); err == nil {
		t.Error("token accepted at its expiry")
	}
	if err := mustKeys(t, testSecret(2)).VerifyToken(token, s, now); err == nil {
		t.Error("token accepted with another secret")
	}

	parts := strings.Split(token, ".")
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString(
		[]byte(`{"iss":"authproxy","sid":"`+other.ID+`","exp":9999999999}`)) + "." + parts[2]
	if err := k.VerifyToken(forged, other, now); err == nil {
		t.Error("token with a rewritten payload accepted")
	}
}

func TestTokenCarriesExpiry(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	k := mustKeys(t, testSecret(1))
	s := testSession(now)
	parts := strings.Split(k.Token(s), ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3 (a JWT)", len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if exp, _ := claims["exp"].(float64); int64(exp) != s.Expires.Unix() {
		t.Errorf("exp claim = %v, want %d", claims["exp"], s.Expires.Unix())
	}
	if _, ok := claims["key"]; ok || strings.Contains(string(payload), s.APIKey) {
		t.Error("token payload contains the API key")
	}
}

func TestIsTokenRejectsForeignJWT(t *testing.T) {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"username":"argilla","exp":1}`))
	if IsToken(header + "." + payload + ".sig") {
		t.Error("Argilla's own JWT taken for an authproxy token")
	}
	if IsToken("argilla.apikey") {
		t.Error("API key taken for an authproxy token")
	}
}

func TestFlowRoundTrip(t *testing.T) {
	now := time.Now()
	k := mustKeys(t, testSecret(1))
	f := NewFlow("keycloak", "http://localhost/oauth/keycloak/callback", now, time.Minute)
	value, err := k.EncodeFlow(f)
	if err != nil {
		t.Fatal(err)
	}

	got, err := k.DecodeFlow(value, f.State, now)
	if err != nil {
		t.Fatalf("DecodeFlow: %v", err)
	}
	if got.CodeVerifier != f.CodeVerifier || got.Nonce != f.Nonce || got.RedirectURI != f.RedirectURI {
		t.Errorf("decoded flow = %+v, want %+v", got, f)
	}
	if _, err := k.DecodeFlow(value, "other-state", now); err == nil {
		t.Error("flow accepted for another state")
	}
	if _, err := k.DecodeFlow(value, f.State, now.Add(2*time.Minute)); err == nil {
		t.Error("expired flow accepted")
	}
}

func TestNewFlowIsRandom(t *testing.T) {
	now := time.Now()
	a := NewFlow("keycloak", "", now, time.Minute)
	b := NewFlow("keycloak", "", now, time.Minute)
	if a.State == b.State || a.Nonce == b.Nonce || a.CodeVerifier == b.CodeVerifier {
		t.Error("two flows share a random value")
	}
	if len(a.CodeVerifier) < 43 {
		t.Errorf("PKCE verifier has %d characters, RFC 7636 requires at least 43", len(a.CodeVerifier))
	}
	if FlowCookieName(a.State) == FlowCookieName(b.State) {
		t.Error("two flows share a cookie name")
	}
}

func TestUsedStatesSingleUse(t *testing.T) {
	now := time.Now()
	u := NewUsedStates(2)
	if !u.Claim("a", now.Add(time.Minute), now) {
		t.Fatal("first claim rejected")
	}
	if u.Claim("a", now.Add(time.Minute), now) {
		t.Error("second claim of the same state accepted")
	}
	if !u.Claim("b", now.Add(time.Second), now) {
		t.Error("claim of another state rejected")
	}
	if u.Claim("c", now.Add(time.Minute), now) {
		t.Error("claim accepted while the set is full of live states")
	}
	if !u.Claim("c", now.Add(time.Minute), now.Add(2*time.Second)) {
		t.Error("claim rejected after a state expired and freed its place")
	}
}

func BenchmarkDecodeSessionAndToken(b *testing.B) {
	now := time.Now()
	k, err := NewKeys([][]byte{testSecret(1)}, time.Hour, time.Minute)
	if err != nil {
		b.Fatal(err)
	}
	s := testSession(now)
	value, _ := k.EncodeSession(s)
	token := k.Token(s)

	b.ReportAllocs()
	for b.Loop() {
		got, err := k.DecodeSession(value, now)
		if err != nil {
			b.Fatal(err)
		}
		if err := k.VerifyToken(token, got, now); err != nil {
			b.Fatal(err)
		}
	}
}
