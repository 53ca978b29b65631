package fakes

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Layout places an OpenID Provider's endpoints the way one real provider
// does. Paths are relative to the fake's URL.
type Layout struct {
	// IssuerPath is appended to the fake's URL to form the issuer, unless
	// Issuer is set.
	IssuerPath string
	// Issuer is a fixed issuer, for providers that are reached at another
	// address than the one they name (Google, Entra ID).
	Issuer string
	// TrailingSlash adds "/" to the issuer, as Auth0 does.
	TrailingSlash bool
	// Discovery is the path of the discovery document.
	Discovery string
	// Authorize, Token, UserInfo and JWKS are the endpoint paths; an empty
	// UserInfo advertises none.
	Authorize, Token, UserInfo, JWKS string
	// AuthMethods are the advertised token_endpoint_auth_methods_supported.
	AuthMethods []string
	// CallbackIssuer sends "iss" with the code (RFC 9207), as Keycloak does.
	CallbackIssuer bool
	// ExpiresInString sends expires_in as a JSON string, as Entra ID's v1
	// token endpoint does.
	ExpiresInString bool
}

// GenericLayout is a plain OpenID Provider with endpoints at the root.
var GenericLayout = Layout{
	Discovery: "/.well-known/openid-configuration", Authorize: "/authorize", Token: "/token",
	UserInfo: "/userinfo", JWKS: "/jwks", AuthMethods: []string{"client_secret_basic", "client_secret_post"},
}

// KeycloakLayout follows Keycloak's realm endpoints (Keycloak Server
// Administration Guide, "OIDC URI endpoints"):
// /realms/{realm}/protocol/openid-connect/{auth,token,userinfo,certs}.
func KeycloakLayout(realm string) Layout {
	base := "/realms/" + realm
	endpoints := base + "/protocol/openid-connect"
	return Layout{
		IssuerPath: base, Discovery: base + "/.well-known/openid-configuration",
		Authorize: endpoints + "/auth", Token: endpoints + "/token", UserInfo: endpoints + "/userinfo",
		JWKS: endpoints + "/certs", CallbackIssuer: true,
		AuthMethods: []string{"private_key_jwt", "client_secret_basic", "client_secret_post", "tls_client_auth",
			"client_secret_jwt"},
	}
}

// HuggingFaceLayout follows Hugging Face's OAuth documentation ("Sign in
// with Hugging Face", https://huggingface.co/docs/hub/oauth): endpoints
// under /oauth on the issuer https://huggingface.co.
var HuggingFaceLayout = Layout{
	Discovery: "/.well-known/openid-configuration", Authorize: "/oauth/authorize", Token: "/oauth/token",
	UserInfo: "/oauth/userinfo", JWKS: "/oauth/jwks", AuthMethods: []string{"client_secret_basic", "client_secret_post"},
}

// GoogleLayout follows Google's discovery document ("OpenID Connect",
// https://developers.google.com/identity/openid-connect/openid-connect),
// with its issuer https://accounts.google.com. The fake serves Google's
// paths on 127.0.0.1 and names the real issuer, so the proxy reaches it
// through the back-channel setting.
var GoogleLayout = Layout{
	Issuer: "https://accounts.google.com", Discovery: "/.well-known/openid-configuration",
	Authorize: "/o/oauth2/v2/auth", Token: "/token", UserInfo: "/v1/userinfo", JWKS: "/oauth2/v3/certs",
	AuthMethods: []string{"client_secret_post", "client_secret_basic"},
}

// OktaLayout follows Okta's OpenID Connect API ("OpenID Connect & OAuth
// 2.0 API", https://developer.okta.com/docs/api/openapi/okta-oauth/):
// a custom authorization server such as "default" lives under
// /oauth2/{server}, while the org authorization server ("") is the bare
// origin with endpoints under /oauth2/v1.
func OktaLayout(server string) Layout {
	issuerPath, endpoints := "/oauth2/"+server, "/oauth2/"+server+"/v1"
	if server == "" {
		issuerPath, endpoints = "", "/oauth2/v1"
	}
	return Layout{
		IssuerPath: issuerPath, Discovery: issuerPath + "/.well-known/openid-configuration",
		Authorize: endpoints + "/authorize", Token: endpoints + "/token", UserInfo: endpoints + "/userinfo",
		JWKS: endpoints + "/keys", AuthMethods: []string{"client_secret_basic", "client_secret_post"},
	}
}

// Auth0Layout follows Auth0's Authentication API
// (https://auth0.com/docs/api/authentication): the issuer is
// https://{domain}/ with a trailing slash.
var Auth0Layout = Layout{
	TrailingSlash: true, Discovery: "/.well-known/openid-configuration", Authorize: "/authorize",
	Token: "/oauth/token", UserInfo: "/userinfo", JWKS: "/.well-known/jwks.json",
	AuthMethods: []string{"client_secret_basic", "client_secret_post"},
}

// AzureTenantLayout follows Microsoft Entra ID's v1 endpoints ("Microsoft
// identity platform and OpenID Connect protocol",
// https://learn.microsoft.com/entra/identity-platform/v2-protocols-oidc):
// discovery and endpoints under /{tenant}, the issuer
// https://sts.windows.net/{tenant id}/, and expires_in sent as a string.
func AzureTenantLayout(tenant, tenantID string) Layout {
	return Layout{
		Issuer: "https://sts.windows.net/" + tenantID + "/", Discovery: "/" + tenant + "/.well-known/openid-configuration",
		Authorize: "/" + tenant + "/oauth2/authorize", Token: "/" + tenant + "/oauth2/token",
		JWKS: "/common/discovery/keys", AuthMethods: []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		ExpiresInString: true,
	}
}

// OIDCFaults make an OpenID Provider fake misbehave. The zero value is a
// provider that behaves.
type OIDCFaults struct {
	// BadSignature signs ID tokens with a key that the JWKS does not hold,
	// under the advertised key id.
	BadSignature bool
	// Audience, Issuer and Nonce replace those ID token claims.
	Audience, Issuer, Nonce string
	// IDTokenLifetime replaces the ID token's five-minute lifetime; a
	// negative value issues tokens that expired that long ago.
	IDTokenLifetime time.Duration
	// NoIDToken leaves id_token out of the token response.
	NoIDToken bool
	// UserInfoSubject replaces "sub" in userinfo responses.
	UserInfoSubject string
	// TokenError makes every token request fail with this error code.
	TokenError string
	// TokenDelay delays every token response.
	TokenDelay time.Duration
	// DiscoveryStatus makes the discovery request fail with this status.
	DiscoveryStatus int
}

// OIDC is a fake OpenID Provider (OpenID Connect Core 1.0 and Discovery
// 1.0) for the authorization-code flow.
type OIDC struct {
	// URL is the fake's base URL, http://127.0.0.1:<port>.
	URL string
	// ClientID and ClientSecret identify the only client the fake accepts.
	ClientID, ClientSecret string

	layout Layout
	auth   *authServer
	key    *rsa.PrivateKey
	keyID  string

	mu         sync.Mutex
	faults     OIDCFaults
	advertised string
	userInfo   map[string]map[string]any
}

// NewOIDC starts a fake OpenID Provider with layout and stops it when the
// test ends.
func NewOIDC(t testing.TB, layout Layout) *OIDC {
	t.Helper()
	f := &OIDC{
		ClientID: "client-" + randomString()[:8], ClientSecret: randomString(),
		layout: layout, key: signingKey(t), keyID: "key-" + randomString()[:6],
		userInfo: map[string]map[string]any{},
	}
	basic := layout.AuthMethods == nil || contains(layout.AuthMethods, "client_secret_basic")
	post := layout.AuthMethods == nil || contains(layout.AuthMethods, "client_secret_post")
	f.auth = newAuthServer(f.ClientID)
	f.auth.authenticate = secretAuthenticator(f.ClientID, f.ClientSecret, basic, post)

	mux := http.NewServeMux()
	mux.HandleFunc(layout.Discovery, f.discovery)
	mux.HandleFunc(layout.Authorize, f.auth.authorize)
	mux.HandleFunc(layout.Token, f.token)
	mux.HandleFunc(layout.JWKS, f.jwks)
	if layout.UserInfo != "" {
		mux.HandleFunc(layout.UserInfo, f.userinfo)
	}
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	f.URL = server.URL
	if layout.CallbackIssuer {
		f.auth.callbackIssuer = f.Issuer()
	}
	return f
}

// Issuer returns the issuer that discovery names and ID tokens carry.
func (f *OIDC) Issuer() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.issuerLocked()
}

func (f *OIDC) issuerLocked() string {
	issuer := f.layout.Issuer
	if issuer == "" {
		base := f.URL
		if f.advertised != "" {
			base = f.advertised
		}
		issuer = base + f.layout.IssuerPath
	}
	if f.layout.TrailingSlash && !strings.HasSuffix(issuer, "/") {
		issuer += "/"
	}
	return issuer
}

// Advertise makes discovery name base in place of the fake's URL, for the
// issuer and every endpoint, as Keycloak does when its hostname option
// names the public address.
func (f *OIDC) Advertise(base string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.advertised = base
	if f.layout.CallbackIssuer {
		f.auth.callbackIssuer = f.issuerLocked()
	}
}

// SignIn chooses the person that the next logins sign in: claims must hold
// "sub"; they appear in the ID token and in userinfo.
func (f *OIDC) SignIn(claims map[string]any) { f.auth.setUser(claims) }

// Deny makes the next logins fail with the error code, as when the person
// declines consent.
func (f *OIDC) Deny(code string) { f.auth.setDeny(code) }

// Break sets the faults for the requests that follow.
func (f *OIDC) Break(faults OIDCFaults) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = faults
}

func (f *OIDC) discovery(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	faults, issuer, base := f.faults, f.issuerLocked(), f.URL
	if f.advertised != "" {
		base = f.advertised
	}
	f.mu.Unlock()
	if faults.DiscoveryStatus != 0 {
		http.Error(w, "unavailable", faults.DiscoveryStatus)
		return
	}
	doc := map[string]any{
		"issuer":                                issuer,
		"authorization_endpoint":                base + f.layout.Authorize,
		"token_endpoint":                        base + f.layout.Token,
		"jwks_uri":                              base + f.layout.JWKS,
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": f.layout.AuthMethods,
	}
	if f.layout.UserInfo != "" {
		doc["userinfo_endpoint"] = base + f.layout.UserInfo
	}
	writeJSON(w, http.StatusOK, doc)
}

func (f *OIDC) token(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	faults, issuer := f.faults, f.issuerLocked()
	f.mu.Unlock()
	if faults.TokenDelay > 0 {
		select {
		case <-time.After(faults.TokenDelay):
		case <-r.Context().Done():
			return
		}
	}
	g, tokenErr := f.auth.redeem(r)
	if tokenErr == nil && faults.TokenError != "" {
		tokenErr = &tokenError{status: http.StatusBadRequest, code: faults.TokenError}
	}
	if tokenErr != nil {
		writeTokenError(w, tokenErr)
		return
	}
	f.writeTokens(w, g, issuer, faults)
}

// writeTokens responds to a redeemed grant with an access token and an ID
// token signed with the fake's key.
func (f *OIDC) writeTokens(w http.ResponseWriter, g *grant, issuer string, faults OIDCFaults) {
	accessToken := randomString()
	f.mu.Lock()
	f.userInfo[accessToken] = g.user
	f.mu.Unlock()

	lifetime := 5 * time.Minute
	if faults.IDTokenLifetime != 0 {
		lifetime = faults.IDTokenLifetime
	}
	now := time.Now()
	idClaims := map[string]any{}
	for k, v := range g.user {
		idClaims[k] = v
	}
	idClaims["iss"] = orDefault(faults.Issuer, issuer)
	idClaims["aud"] = orDefault(faults.Audience, g.clientID)
	idClaims["azp"] = g.clientID
	idClaims["iat"] = now.Unix()
	idClaims["auth_time"] = now.Unix()
	idClaims["exp"] = now.Add(lifetime).Unix()
	idClaims["at_hash"] = atHash(accessToken)
	if nonce := orDefault(faults.Nonce, g.nonce); nonce != "" {
		idClaims["nonce"] = nonce
	}

	expiresIn := any(300)
	if f.layout.ExpiresInString {
		expiresIn = strconv.Itoa(300)
	}
	response := map[string]any{
		"access_token": accessToken, "token_type": "Bearer", "expires_in": expiresIn, "scope": g.scope,
	}
	if !faults.NoIDToken {
		key := f.key
		if faults.BadSignature {
			key = otherKey()
		}
		response["id_token"] = sign(key, f.keyID, idClaims)
	}
	writeJSON(w, http.StatusOK, response)
}

func (f *OIDC) userinfo(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	user, ok := f.userInfo[bearer(r)]
	faults := f.faults
	f.mu.Unlock()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	response := map[string]any{}
	for k, v := range user {
		response[k] = v
	}
	if faults.UserInfoSubject != "" {
		response["sub"] = faults.UserInfoSubject
	}
	writeJSON(w, http.StatusOK, response)
}

func (f *OIDC) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &f.key.PublicKey, KeyID: f.keyID, Algorithm: string(jose.RS256), Use: "sig"},
	}})
}

var (
	keysOnce      sync.Once
	sharedKey     *rsa.PrivateKey
	sharedOther   *rsa.PrivateKey
	keyGeneration error
)

// signingKey returns the RSA key every fake signs with; generating one per
// fake would make each test slower.
func signingKey(t testing.TB) *rsa.PrivateKey {
	keysOnce.Do(func() {
		if sharedKey, keyGeneration = rsa.GenerateKey(rand.Reader, 2048); keyGeneration != nil {
			return
		}
		sharedOther, keyGeneration = rsa.GenerateKey(rand.Reader, 2048)
	})
	if keyGeneration != nil {
		t.Fatalf("generate RSA key: %v", keyGeneration)
	}
	return sharedKey
}

// otherKey is a key that no fake publishes.
func otherKey() *rsa.PrivateKey { return sharedOther }

// sign returns claims as a JWT signed with RS256.
func sign(key *rsa.PrivateKey, keyID string, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithHeader("kid", keyID).WithType("JWT"))
	if err != nil {
		panic("fakes: RS256 signer: " + err.Error())
	}
	token, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		panic("fakes: sign JWT: " + err.Error())
	}
	return token
}

// atHash is the at_hash claim for RS256 (OpenID Connect Core 1.0, section
// 3.1.3.6): the left half of the SHA-256 hash, base64url-encoded.
func atHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}

func orDefault(value, def string) string {
	if value != "" {
		return value
	}
	return def
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}
