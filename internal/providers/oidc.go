package providers

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// identityMapper turns the verified claims of one login, and the parameters
// of its callback, into an Identity. Provider and Subject are set by the
// caller.
type identityMapper func(c claims, callback url.Values) (*Identity, error)

// oidcSpec describes one OpenID Connect provider.
type oidcSpec struct {
	// issuer is the issuer browsers see. Discovery must name it, and ID
	// tokens must carry it.
	issuer string
	// discovery is the base URL that the discovery document is read from
	// when it is not issuer: a back-channel address of the same provider, or
	// Azure AD's tenant URL.
	discovery string
	// backchannel marks discovery as another address of issuer. Token,
	// userinfo and JWKS URLs that discovery lists under issuer are then
	// called under discovery instead; the authorization URL is left for
	// browsers.
	backchannel bool
	// acceptIssuer, when set, replaces the comparison of the discovered
	// issuer with issuer.
	acceptIssuer func(discovered string) error
	// static holds the endpoints of a provider without discovery.
	static *discoveryDocument
	// skipUserInfo leaves the userinfo endpoint unused: the ID token carries
	// every claim needed.
	skipUserInfo bool

	defaultScopes []string
	// authParams are added to every authorization URL.
	authParams []oauth2.AuthCodeOption
	// authStyle is the client authentication at the token endpoint. Zero
	// means the one that discovery advertises.
	authStyle oauth2.AuthStyle
	// clientSecret, when set, makes a client secret for each token request.
	clientSecret func() (string, error)
	mapper       identityMapper

	// endpointVar and backchannelVar name the variables that set issuer
	// and the back-channel address, for error messages; empty when the
	// issuer is fixed.
	endpointVar, backchannelVar string
	// issuerHint is a provider-specific way to fix an issuer mismatch, a
	// format with one %q for the configured issuer.
	issuerHint string
}

// discoveryDocument is the part of an OpenID Provider's metadata (OpenID
// Connect Discovery 1.0, section 3) that authproxy uses.
type discoveryDocument struct {
	Issuer                string   `json:"issuer"`
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	TokenEndpoint         string   `json:"token_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	JWKSURI               string   `json:"jwks_uri"`
	SigningAlgorithms     []string `json:"id_token_signing_alg_values_supported"`
	TokenAuthMethods      []string `json:"token_endpoint_auth_methods_supported"`
}

// oidcProvider is an OpenID Connect provider, found by discovery unless its
// endpoints are fixed.
type oidcProvider struct {
	cfg  config.Provider
	spec oidcSpec
	opts Options

	mu       sync.Mutex
	provider *oidc.Provider
	doc      discoveryDocument
}

func newOIDC(cfg config.Provider, spec oidcSpec, opts Options) *oidcProvider {
	return &oidcProvider{cfg: cfg, spec: spec, opts: opts}
}

func (p *oidcProvider) Name() string { return p.cfg.Name }

// Check reads the discovery document and checks the issuer it names.
func (p *oidcProvider) Check(ctx context.Context) error {
	_, _, err := p.discover(ctx)
	return err
}

// discover reads the discovery document once it can, and then keeps it.
func (p *oidcProvider) discover(ctx context.Context) (*oidc.Provider, discoveryDocument, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, p.doc, nil
	}

	var doc discoveryDocument
	if p.spec.static != nil {
		doc = *p.spec.static
	} else {
		var err error
		if doc, err = p.readDiscovery(ctx); err != nil {
			return nil, doc, err
		}
	}

	providerConfig := oidc.ProviderConfig{
		IssuerURL:   doc.Issuer,
		AuthURL:     doc.AuthorizationEndpoint,
		TokenURL:    doc.TokenEndpoint,
		UserInfoURL: doc.UserinfoEndpoint,
		JWKSURL:     doc.JWKSURI,
		Algorithms:  doc.SigningAlgorithms,
	}
	p.provider = providerConfig.NewProvider(oidc.ClientContext(ctx, p.opts.HTTPClient))
	p.doc = doc
	return p.provider, doc, nil
}

func (p *oidcProvider) discoveryBase() string {
	if p.spec.discovery != "" {
		return p.spec.discovery
	}
	return p.spec.issuer
}

// readDiscovery fetches and checks the discovery document.
func (p *oidcProvider) readDiscovery(ctx context.Context) (discoveryDocument, error) {
	var doc discoveryDocument
	wellKnown := strings.TrimSuffix(p.discoveryBase(), "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, wellKnown, nil)
	if err != nil {
		return doc, fmt.Errorf("%w: discovery URL %s: %w", ErrNotReady, wellKnown, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.opts.HTTPClient.Do(req)
	if err != nil {
		return doc, fmt.Errorf("%w: discovery at %s: %w", ErrNotReady, wellKnown, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return doc, fmt.Errorf("%w: discovery at %s: %w", ErrNotReady, wellKnown, err)
	}
	if resp.StatusCode != http.StatusOK {
		return doc, fmt.Errorf("%w: discovery at %s: HTTP %d", ErrNotReady, wellKnown, resp.StatusCode)
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return doc, fmt.Errorf("%w: discovery at %s: invalid JSON: %w", ErrNotReady, wellKnown, err)
	}

	if err := p.checkIssuer(doc.Issuer, wellKnown); err != nil {
		return doc, err
	}
	if p.spec.backchannel {
		doc.TokenEndpoint = p.viaBackchannel(doc.Issuer, doc.TokenEndpoint)
		doc.UserinfoEndpoint = p.viaBackchannel(doc.Issuer, doc.UserinfoEndpoint)
		doc.JWKSURI = p.viaBackchannel(doc.Issuer, doc.JWKSURI)
	}
	for name, value := range map[string]string{
		"authorization_endpoint": doc.AuthorizationEndpoint,
		"token_endpoint":         doc.TokenEndpoint,
		"jwks_uri":               doc.JWKSURI,
	} {
		if value == "" {
			return doc, fmt.Errorf("%w: discovery at %s has no %s", ErrNotReady, wellKnown, name)
		}
	}
	return doc, nil
}

// checkIssuer compares the issuer that discovery names with the configured
// one. Both must match exactly, trailing slash included (OpenID Connect
// Discovery 1.0, section 4.3), because ID tokens are checked against it.
func (p *oidcProvider) checkIssuer(discovered, wellKnown string) error {
	if p.spec.acceptIssuer != nil {
		if err := p.spec.acceptIssuer(discovered); err != nil {
			return fmt.Errorf("%w: the discovery document at %s: %w", ErrIssuerMismatch, wellKnown, err)
		}
		return nil
	}
	if discovered == p.spec.issuer {
		return nil
	}

	msg := fmt.Sprintf("%v: the discovery document at %s names the issuer %q, but the configured issuer is %q",
		ErrIssuerMismatch, wellKnown, discovered, p.spec.issuer)
	if p.spec.endpointVar != "" {
		msg += fmt.Sprintf(". Set %s=%s, the address browsers use", p.spec.endpointVar, discovered)
		if p.spec.backchannelVar != "" && !p.spec.backchannel {
			msg += fmt.Sprintf(", and %s=%s if this proxy can reach the provider only there",
				p.spec.backchannelVar, p.discoveryBase())
		}
		if p.spec.issuerHint != "" {
			msg += "; or " + fmt.Sprintf(p.spec.issuerHint, p.spec.issuer)
		}
	}
	return &mismatchError{msg: msg}
}

// mismatchError is an issuer mismatch with the fix in its message.
type mismatchError struct{ msg string }

func (e *mismatchError) Error() string { return e.msg }
func (e *mismatchError) Unwrap() error { return ErrIssuerMismatch }

// viaBackchannel moves an endpoint under the issuer to the back-channel
// address; other endpoints are returned unchanged.
func (p *oidcProvider) viaBackchannel(issuer, endpoint string) string {
	base := strings.TrimSuffix(issuer, "/")
	if endpoint != base && !strings.HasPrefix(endpoint, base+"/") {
		return endpoint
	}
	return strings.TrimSuffix(p.spec.discovery, "/") + strings.TrimPrefix(endpoint, base)
}

func (p *oidcProvider) oauth2Config(provider *oidc.Provider, doc discoveryDocument, redirectURI string) *oauth2.Config {
	scopes := p.cfg.Scopes
	if len(scopes) == 0 {
		scopes = p.spec.defaultScopes
	}
	endpoint := provider.Endpoint()
	endpoint.AuthStyle = p.spec.authStyle
	if endpoint.AuthStyle == oauth2.AuthStyleAutoDetect {
		endpoint.AuthStyle = authStyleFor(doc.TokenAuthMethods)
	}
	return &oauth2.Config{
		ClientID:     p.cfg.ClientID,
		ClientSecret: p.cfg.ClientSecret,
		Endpoint:     endpoint,
		RedirectURL:  redirectURI,
		Scopes:       scopes,
	}
}

// authStyleFor picks the client authentication that discovery advertises,
// preferring client_secret_basic, which is the default when none is listed
// (OpenID Connect Discovery 1.0, section 3).
func authStyleFor(methods []string) oauth2.AuthStyle {
	if len(methods) == 0 || slices.Contains(methods, "client_secret_basic") {
		return oauth2.AuthStyleInHeader
	}
	if slices.Contains(methods, "client_secret_post") {
		return oauth2.AuthStyleInParams
	}
	return oauth2.AuthStyleAutoDetect
}

func (p *oidcProvider) AuthCodeURL(ctx context.Context, r Request) (string, error) {
	provider, doc, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	options := append([]oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(r.CodeVerifier),
		oidc.Nonce(r.Nonce),
	}, p.spec.authParams...)
	return p.oauth2Config(provider, doc, r.RedirectURI).AuthCodeURL(r.State, options...), nil
}

func (p *oidcProvider) Exchange(ctx context.Context, r Request, callback url.Values) (*Identity, error) {
	name := p.cfg.Name
	provider, doc, err := p.discover(ctx)
	if err != nil {
		return nil, &Error{Status: http.StatusBadGateway, Message: name + " is not reachable; try again in a moment", Err: err}
	}

	// RFC 9207: a provider that names itself in the callback must name the
	// issuer this login started with, which defeats mix-up attacks.
	if iss := callback.Get("iss"); iss != "" && strings.TrimSuffix(iss, "/") != strings.TrimSuffix(doc.Issuer, "/") {
		return nil, &Error{Status: http.StatusUnauthorized,
			Message: fmt.Sprintf("the callback names the issuer %q, expected %q; start the sign-in again", iss, doc.Issuer)}
	}

	oauthConfig := p.oauth2Config(provider, doc, r.RedirectURI)
	if p.spec.clientSecret != nil {
		secret, err := p.spec.clientSecret()
		if err != nil {
			return nil, &Error{Status: http.StatusInternalServerError,
				Message: "the client secret for " + name + " could not be made; ask the administrator", Err: err}
		}
		oauthConfig.ClientSecret = secret
	}
	ctx = oidc.ClientContext(ctx, p.opts.HTTPClient)
	token, err := oauthConfig.Exchange(ctx, callback.Get("code"), oauth2.VerifierOption(r.CodeVerifier))
	if err != nil {
		return nil, exchangeError(name, err)
	}

	idToken, err := p.verify(ctx, provider, token, r.Nonce)
	if err != nil {
		return nil, err
	}
	c := claims{}
	if err := idToken.Claims(&c); err != nil {
		return nil, &Error{Status: http.StatusUnauthorized, Message: "the ID token's claims from " + name + " are invalid", Err: err}
	}
	if err := p.mergeUserInfo(ctx, provider, token, idToken.Subject, c); err != nil {
		return nil, err
	}

	identity, err := p.spec.mapper(c, callback)
	if err != nil {
		return nil, err
	}
	identity.Provider = name
	identity.Subject = idToken.Subject
	return identity, nil
}

// verify checks the ID token in token: signature, issuer, audience, expiry
// with the configured leeway, nonce and, when present, at_hash.
func (p *oidcProvider) verify(ctx context.Context, provider *oidc.Provider, token *oauth2.Token, nonce string) (*oidc.IDToken, error) {
	name := p.cfg.Name
	rawIDToken, _ := token.Extra("id_token").(string)
	if rawIDToken == "" {
		return nil, &Error{Status: http.StatusUnauthorized,
			Message: name + " returned no ID token; check that the scope includes openid"}
	}
	verifier := provider.Verifier(&oidc.Config{
		ClientID: p.cfg.ClientID,
		Now:      func() time.Time { return time.Now().Add(-p.opts.Leeway) },
	})
	idToken, err := verifier.Verify(ctx, rawIDToken)
	if err != nil {
		return nil, &Error{Status: http.StatusUnauthorized, Message: "the ID token from " + name + " is invalid", Err: err}
	}
	if idToken.Nonce != nonce {
		return nil, &Error{Status: http.StatusUnauthorized,
			Message: "the ID token from " + name + " was issued for another sign-in (nonce mismatch); start the sign-in again"}
	}
	if idToken.AccessTokenHash != "" {
		if err := idToken.VerifyAccessToken(token.AccessToken); err != nil {
			return nil, &Error{Status: http.StatusUnauthorized,
				Message: "the access token from " + name + " does not match its ID token", Err: err}
		}
	}
	return idToken, nil
}

// mergeUserInfo adds the userinfo claims to c. Many providers put profile
// claims only there (Argilla itself reads only userinfo). A userinfo
// response for another subject is rejected (OpenID Connect Core 1.0,
// section 5.3.2).
func (p *oidcProvider) mergeUserInfo(ctx context.Context, provider *oidc.Provider, token *oauth2.Token, subject string, c claims) error {
	name := p.cfg.Name
	if provider.UserInfoEndpoint() == "" || p.spec.skipUserInfo {
		return nil
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(token))
	if err != nil {
		return requestError("the userinfo request to "+name, err)
	}
	if info.Subject != subject {
		return &Error{Status: http.StatusUnauthorized,
			Message: fmt.Sprintf("the userinfo subject from %s differs from the ID token's; sign-in rejected", name)}
	}
	extra := claims{}
	if err := info.Claims(&extra); err != nil {
		return &Error{Status: http.StatusBadGateway, Message: "the userinfo response from " + name + " is invalid", Err: err}
	}
	for k, v := range extra {
		if k != "sub" && k != "iss" && k != "aud" {
			c[k] = v
		}
	}
	return nil
}

// settingVar returns the first variable social-core reads for setting of
// provider p, such as SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT.
func settingVar(p config.Provider, setting string) string {
	return "SOCIAL_AUTH_" + strings.ToUpper(strings.ReplaceAll(p.Name, "-", "_")) + "_" + setting
}

// endpointSpec returns the discovery settings shared by providers whose
// issuer is configurable: issuer, and the optional back-channel address
// from the OIDC_BACKCHANNEL_URL setting.
//
// OIDC_BACKCHANNEL_URL is authproxy's own setting, which social-core does
// not read: the address at which this proxy reaches a provider whose issuer
// (the address browsers use) is not reachable from the proxy, such as
// Keycloak inside a cluster.
func endpointSpec(p config.Provider, issuer, endpointVar string) (oidcSpec, error) {
	spec := oidcSpec{issuer: issuer, endpointVar: endpointVar, backchannelVar: settingVar(p, "OIDC_BACKCHANNEL_URL")}
	if err := checkURL(endpointVar, issuer); err != nil {
		return spec, err
	}
	if backchannel, _ := p.Setting("OIDC_BACKCHANNEL_URL"); backchannel != "" {
		if err := checkURL(spec.backchannelVar, backchannel); err != nil {
			return spec, err
		}
		spec.discovery = backchannel
		spec.backchannel = true
	}
	return spec, nil
}

// checkURL returns an error naming variable when value is not an absolute
// http or https URL.
func checkURL(variable, value string) error {
	u, err := url.Parse(value)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s=%q is not an absolute http or https URL; write it as https://host/path", variable, value)
	}
	return nil
}
