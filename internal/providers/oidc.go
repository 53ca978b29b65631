package providers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// claims are the ID token and userinfo claims merged, userinfo last.
type claims map[string]any

func (c claims) str(name string) string {
	s, _ := c[name].(string)
	return s
}

// identityMapper turns verified claims into an Identity.
type identityMapper func(p config.Provider, c claims) (*Identity, error)

// oidcProvider is an OpenID Connect provider found by discovery.
type oidcProvider struct {
	cfg      config.Provider
	endpoint string
	opts     Options
	mapper   identityMapper

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDC(cfg config.Provider, endpoint string, opts Options, mapper identityMapper) *oidcProvider {
	return &oidcProvider{cfg: cfg, endpoint: strings.TrimSuffix(endpoint, "/"), opts: opts, mapper: mapper}
}

func (p *oidcProvider) Name() string { return p.cfg.Name }

// discover reads the discovery document once it can, and then keeps it.
// go-oidc rejects a document whose issuer differs from the endpoint.
func (p *oidcProvider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, p.opts.HTTPClient), p.endpoint)
	if err != nil {
		return nil, fmt.Errorf("%w: discovery at %s: %v", ErrNotReady, p.endpoint, err)
	}
	p.provider = provider
	return provider, nil
}

func (p *oidcProvider) Check(ctx context.Context) error {
	_, err := p.discover(ctx)
	return err
}

func (p *oidcProvider) oauth2Config(provider *oidc.Provider, redirectURI string) *oauth2.Config {
	scopes := p.cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, "profile", "email"}
	}
	return &oauth2.Config{
		ClientID:     p.cfg.ClientID,
		ClientSecret: p.cfg.ClientSecret,
		Endpoint:     provider.Endpoint(),
		RedirectURL:  redirectURI,
		Scopes:       scopes,
	}
}

func (p *oidcProvider) AuthCodeURL(ctx context.Context, r Request) (string, error) {
	provider, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	return p.oauth2Config(provider, r.RedirectURI).AuthCodeURL(r.State,
		oauth2.S256ChallengeOption(r.CodeVerifier),
		oidc.Nonce(r.Nonce),
	), nil
}

func (p *oidcProvider) Exchange(ctx context.Context, r Request, callback url.Values) (*Identity, error) {
	provider, err := p.discover(ctx)
	if err != nil {
		return nil, &Error{Status: http.StatusBadGateway, Message: "the identity provider is not reachable", Err: err}
	}

	// RFC 9207: a provider that names itself in the callback must name the
	// issuer this login started with, which defeats mix-up attacks.
	if iss := callback.Get("iss"); iss != "" && !sameIssuer(iss, p.issuer(provider)) {
		return nil, &Error{Status: http.StatusUnauthorized,
			Message: fmt.Sprintf("the callback names issuer %q, expected %q", iss, p.issuer(provider))}
	}

	ctx = oidc.ClientContext(ctx, p.opts.HTTPClient)
	token, err := p.oauth2Config(provider, r.RedirectURI).Exchange(ctx, callback.Get("code"),
		oauth2.VerifierOption(r.CodeVerifier))
	if err != nil {
		return nil, exchangeError(err)
	}

	rawIDToken, _ := token.Extra("id_token").(string)
	if rawIDToken == "" {
		return nil, &Error{Status: http.StatusUnauthorized, Message: "the provider returned no ID token"}
	}
	verifier := provider.Verifier(&oidc.Config{
		ClientID: p.cfg.ClientID,
		Now:      func() time.Time { return time.Now().Add(-p.opts.Leeway) },
	})
	idToken, err := verifier.Verify(ctx, rawIDToken)
	if err != nil {
		return nil, &Error{Status: http.StatusUnauthorized, Message: "the ID token is invalid", Err: err}
	}
	if idToken.Nonce != r.Nonce {
		return nil, &Error{Status: http.StatusUnauthorized, Message: "the ID token's nonce does not match this login"}
	}

	c := claims{}
	if err := idToken.Claims(&c); err != nil {
		return nil, &Error{Status: http.StatusUnauthorized, Message: "the ID token's claims are invalid", Err: err}
	}
	if err := p.mergeUserInfo(ctx, provider, token, idToken.Subject, c); err != nil {
		return nil, err
	}

	identity, err := p.mapper(p.cfg, c)
	if err != nil {
		return nil, err
	}
	identity.Provider = p.cfg.Name
	identity.Subject = idToken.Subject
	return identity, nil
}

// mergeUserInfo adds the userinfo claims to c. Many providers put profile
// claims only there (Argilla itself reads only userinfo). A userinfo
// answer for another subject is rejected (OpenID Connect Core 5.3.2).
func (p *oidcProvider) mergeUserInfo(ctx context.Context, provider *oidc.Provider, token *oauth2.Token, subject string, c claims) error {
	if provider.UserInfoEndpoint() == "" {
		return nil
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(token))
	if err != nil {
		return &Error{Status: http.StatusBadGateway, Message: "the provider's userinfo request failed", Err: err}
	}
	if info.Subject != subject {
		return &Error{Status: http.StatusUnauthorized, Message: "the userinfo subject differs from the ID token's"}
	}
	extra := claims{}
	if err := info.Claims(&extra); err != nil {
		return &Error{Status: http.StatusBadGateway, Message: "the provider's userinfo answer is invalid", Err: err}
	}
	for k, v := range extra {
		if k != "sub" && k != "iss" && k != "aud" {
			c[k] = v
		}
	}
	return nil
}

func (p *oidcProvider) issuer(provider *oidc.Provider) string {
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if err := provider.Claims(&doc); err != nil || doc.Issuer == "" {
		return p.endpoint
	}
	return doc.Issuer
}

func sameIssuer(a, b string) bool {
	return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/")
}

// exchangeError turns a failed token exchange into an Error that carries
// the provider's error code.
func exchangeError(err error) error {
	var retrieve *oauth2.RetrieveError
	if errors.As(err, &retrieve) {
		msg := "the provider rejected the authorization code"
		if retrieve.ErrorDescription != "" {
			msg += ": " + retrieve.ErrorDescription
		}
		return &Error{Status: http.StatusUnauthorized, Code: retrieve.ErrorCode, Message: msg}
	}
	return &Error{Status: http.StatusBadGateway, Message: "the token request to the provider failed", Err: err}
}

// usernameClaim returns the claim that holds the username: the provider's
// USERNAME_KEY setting, as social-core reads it, or preferred_username.
func usernameClaim(p config.Provider) string {
	if key, _ := p.Setting("USERNAME_KEY"); key != "" {
		return key
	}
	return "preferred_username"
}
