package providers

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// Microsoft's public hosts for sign-in and for the Graph API.
const (
	microsoftLogin = "https://login.microsoftonline.com"
	microsoftGraph = "https://graph.microsoft.com"
)

// newMicrosoftGraph returns social-core's microsoft-graph backend: OAuth 2.0
// at Microsoft's v2.0 endpoints and the person from Graph's GET /v1.0/me.
// TENANT_ID (default "common") is authproxy's own setting, which
// social-core does not read: it limits sign-in to one tenant.
func newMicrosoftGraph(p config.Provider, opts Options) (Provider, error) {
	tenant, _ := p.Setting("TENANT_ID")
	if tenant == "" {
		tenant = "common"
	}
	login := opts.host(microsoftLogin) + "/" + url.PathEscape(tenant) + "/oauth2/v2.0"
	graph := opts.host(microsoftGraph)
	provider := &apiProvider{
		cfg:  p,
		opts: opts,
		endpoint: oauth2.Endpoint{
			AuthURL:   login + "/authorize",
			TokenURL:  login + "/token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		defaultScopes: []string{"User.Read"},
		header:        http.Header{"Accept": {"application/json"}},
	}
	provider.identify = func(ctx context.Context, client *apiClient, _ *oauth2.Token) (*Identity, error) {
		return microsoftIdentity(ctx, p, client, graph)
	}
	return provider, nil
}

// microsoftIdentity maps Graph's user as social-core does: the username is
// the local part of userPrincipalName, the email is mail or the
// userPrincipalName. Microsoft does not verify mail (any tenant admin can
// set it), so EmailVerified stays false and allow-lists reject these
// identities.
func microsoftIdentity(ctx context.Context, p config.Provider, client *apiClient, graph string) (*Identity, error) {
	user := claims{}
	if err := client.getJSON(ctx, graph+"/v1.0/me", &user); err != nil {
		return nil, err
	}
	subject := user.str("id")
	if subject == "" {
		return nil, &Error{Status: http.StatusBadGateway, Message: p.Name + " sent a user without id"}
	}

	principal := user.str("userPrincipalName")
	email := user.str("mail")
	username := principal
	if local, _, found := strings.Cut(principal, "@"); found {
		username = local
		if email == "" {
			email = principal
		}
	}
	claim := "userPrincipalName"
	if key := usernameKey(p, ""); key != "" {
		claim, username = key, user.str(key)
	}
	if err := requireUsername(p.Name, claim, username); err != nil {
		return nil, err
	}
	return withFirstNameFallback(&Identity{
		Subject:   subject,
		Username:  username,
		FirstName: user.str("givenName"),
		Email:     email,
	}), nil
}
