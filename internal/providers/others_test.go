package providers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/argilla-authproxy/authproxy/internal/providers/fakes"
)

func TestMicrosoftGraphLogin(t *testing.T) {
	fake := fakes.NewMicrosoftGraph(t)
	fake.SignIn(map[string]any{"id": "87d349ed-44d7-43e1-9a83-5f2406dee5bd", "userPrincipalName": "AdeleV@contoso.com",
		"mail": "AdeleV@contoso.com", "displayName": "Adele Vance", "givenName": "Adele"})
	entry := testProvider{name: "microsoft-graph", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
	opts := Options{hosts: hostsFor(fake.URL, microsoftLogin, microsoftGraph)}
	p := newProvider(t, entry, nil, opts)

	id := mustLogin(t, p)
	if id.Subject != "87d349ed-44d7-43e1-9a83-5f2406dee5bd" || id.Username != "AdeleV" || id.FirstName != "Adele" {
		t.Errorf("identity = %+v", *id)
	}
	if id.EmailVerified {
		t.Error("a Graph mail address counts as verified")
	}

	fake.FailResource(http.StatusUnauthorized)
	checkError(t, loginError(t, p), http.StatusUnauthorized, "rejected the access token", "Access token validation failure")
}

func TestAzureADTenantLogin(t *testing.T) {
	const tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	tests := []struct {
		name   string
		tenant string
	}{
		{"tenant by id", tenantID},
		{"tenant by domain", "contoso.onmicrosoft.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := fakes.NewOIDC(t, fakes.AzureTenantLayout(tt.tenant, tenantID))
			fake.SignIn(map[string]any{"sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", "name": "Adele Vance",
				"given_name": "Adele", "upn": "AdeleV@contoso.com", "tid": tenantID})
			entry := testProvider{name: "azuread-tenant-oauth2", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
			env := map[string]string{
				"SOCIAL_AUTH_AZUREAD_TENANT_OAUTH2_TENANT_ID":      tt.tenant,
				"SOCIAL_AUTH_AZUREAD_TENANT_OAUTH2_AUTHORITY_HOST": fake.URL,
			}
			// The fake sends expires_in as a string, as Entra ID's v1
			// endpoint does.
			id := mustLogin(t, newProvider(t, entry, env, Options{}))
			if id.Username != "Adele Vance" || id.Email != "AdeleV@contoso.com" || id.EmailVerified {
				t.Errorf("identity = %+v", *id)
			}
		})
	}
}

func TestAzureADTenantRejects(t *testing.T) {
	const tenantID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	fake := fakes.NewOIDC(t, fakes.AzureTenantLayout("00000000-0000-0000-0000-000000000001", tenantID))
	entry := testProvider{name: "azuread-tenant-oauth2", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
	env := map[string]string{
		"SOCIAL_AUTH_AZUREAD_TENANT_OAUTH2_TENANT_ID":      "00000000-0000-0000-0000-000000000001",
		"SOCIAL_AUTH_AZUREAD_TENANT_OAUTH2_AUTHORITY_HOST": fake.URL,
	}
	err := newProvider(t, entry, env, Options{}).Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "another tenant") {
		t.Errorf("Check with another tenant's issuer = %v", err)
	}

	env["SOCIAL_AUTH_AZUREAD_TENANT_OAUTH2_TENANT_ID"] = "common"
	cfg := loadConfig(t, []testProvider{entry}, env)
	if _, err := New(cfg.Providers[0], Options{}); err == nil || !strings.Contains(err.Error(), "any tenant") {
		t.Errorf("New with tenant common = %v, expected a rejection", err)
	}
}

func TestGitLabLogin(t *testing.T) {
	fake := fakes.NewGitLab(t)
	fake.SignIn(map[string]any{"id": 1, "username": "john_smith", "name": "John Smith", "email": "john@example.com",
		"state": "active", "confirmed_at": "2012-05-23T09:05:22Z"})
	entry := testProvider{name: "gitlab", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
	p := newProvider(t, entry, map[string]string{"SOCIAL_AUTH_GITLAB_API_URL": fake.URL + "/"}, Options{})

	id := mustLogin(t, p)
	if id.Subject != "1" || id.Username != "john_smith" || id.FirstName != "John" || !id.EmailVerified {
		t.Errorf("identity = %+v", *id)
	}
	fake.FailResource(http.StatusUnauthorized)
	checkError(t, loginError(t, p), http.StatusUnauthorized, "401 Unauthorized")
}

func TestOktaLogin(t *testing.T) {
	tests := []struct {
		name   string
		server string
		apiURL func(base string) string
	}{
		{"custom authorization server", "default", func(base string) string { return base + "/oauth2/default" }},
		{"org authorization server", "", func(base string) string { return base + "/oauth2/" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := fakes.NewOIDC(t, fakes.OktaLayout(tt.server))
			fake.SignIn(map[string]any{"sub": "00uid4BxXw6I6TV4m0g3", "preferred_username": "ada@example.com",
				"given_name": "Ada", "email": "ada@example.com", "email_verified": true})
			entry := testProvider{name: "okta-openidconnect", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
			env := map[string]string{"SOCIAL_AUTH_OKTA_OPENIDCONNECT_API_URL": tt.apiURL(fake.URL)}
			id := mustLogin(t, newProvider(t, entry, env, Options{}))
			if id.Username != "ada@example.com" || id.FirstName != "Ada" {
				t.Errorf("identity = %+v", *id)
			}
		})
	}
}

func TestAuth0Login(t *testing.T) {
	fake := fakes.NewOIDC(t, fakes.Auth0Layout)
	fake.SignIn(map[string]any{"sub": "auth0|507f1f77bcf86cd799439020", "nickname": "ada", "name": "Ada Lovelace",
		"email": "ada@example.com", "email_verified": true})
	entry := testProvider{name: "auth0", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
	id := mustLogin(t, newProvider(t, entry, map[string]string{"SOCIAL_AUTH_AUTH0_DOMAIN": fake.URL}, Options{}))
	if id.Username != "ada" || id.FirstName != "Ada" || !id.EmailVerified {
		t.Errorf("identity = %+v", *id)
	}
	if !strings.HasSuffix(fake.Issuer(), "/") {
		t.Errorf("the Auth0 fake's issuer %q lacks the trailing slash", fake.Issuer())
	}
}

// TestSeveralProviders signs in with three providers of one configuration,
// interleaved, and checks that each keeps its own client and identities.
func TestSeveralProviders(t *testing.T) {
	_, keycloakEntry, env := keycloakFake(t)
	generic := fakes.NewOIDC(t, fakes.GenericLayout)
	generic.SignIn(map[string]any{"sub": "g-1", "preferred_username": "grace"})
	github, opts := gitHubFake(t, "")
	github.SignIn(octocat)
	env["SOCIAL_AUTH_OIDC_OIDC_ENDPOINT"] = generic.URL

	cfg := loadConfig(t, []testProvider{
		keycloakEntry,
		{name: "oidc", clientID: generic.ClientID, clientSecret: generic.ClientSecret},
		{name: "github", clientID: github.ClientID, clientSecret: github.ClientSecret},
	}, env)
	byName := map[string]Provider{}
	for _, p := range cfg.Providers {
		provider, err := New(p, opts)
		if err != nil {
			t.Fatalf("New(%s): %v", p.Name, err)
		}
		byName[p.Name] = provider
	}
	want := map[string]string{"keycloak": "ada", "oidc": "grace", "github": "octocat"}
	for round := 0; round < 2; round++ {
		for _, name := range []string{"github", "keycloak", "oidc"} {
			id := mustLogin(t, byName[name])
			if id.Provider != name || id.Username != want[name] {
				t.Errorf("round %d, %s: identity = %+v, expected username %q", round, name, *id, want[name])
			}
		}
	}
}
