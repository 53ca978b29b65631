package config

import "sort"

// Backend describes one sign-in provider as Argilla names it: the name used
// in .oauth.yml and the social-core class that Argilla loads for it.
type Backend struct {
	// Name is social-core's backend name, the value of `name` in .oauth.yml.
	Name string
	// Class is the social-core class path that `extra_backends` lists.
	Class string
	// Builtin is true for the four providers Argilla 2.8 ships without
	// `extra_backends`.
	Builtin bool
}

// backends lists every provider authproxy accepts, keyed by name. The names
// and class paths are social-core's (social_core/backends/*.py).
var backends = map[string]Backend{
	"huggingface":   {Name: "huggingface", Class: "argilla_server.security.authentication.oauth2._backends.HuggingfaceOpenId", Builtin: true},
	"github":        {Name: "github", Class: "social_core.backends.github.GithubOAuth2", Builtin: true},
	"google-oauth2": {Name: "google-oauth2", Class: "social_core.backends.google.GoogleOAuth2", Builtin: true},
	"keycloak":      {Name: "keycloak", Class: "argilla_server.security.authentication.oauth2._backends.KeycloakOpenId", Builtin: true},

	"apple-id":              {Name: "apple-id", Class: "social_core.backends.apple.AppleIdAuth"},
	"oidc":                  {Name: "oidc", Class: "social_core.backends.open_id_connect.OpenIdConnectAuth"},
	"gitlab":                {Name: "gitlab", Class: "social_core.backends.gitlab.GitLabOAuth2"},
	"microsoft-graph":       {Name: "microsoft-graph", Class: "social_core.backends.microsoft.MicrosoftOAuth2"},
	"azuread-tenant-oauth2": {Name: "azuread-tenant-oauth2", Class: "social_core.backends.azuread_tenant.AzureADTenantOAuth2"},
	"okta-openidconnect":    {Name: "okta-openidconnect", Class: "social_core.backends.okta_openidconnect.OktaOpenIdConnect"},
	"auth0":                 {Name: "auth0", Class: "social_core.backends.auth0.Auth0OAuth2"},
	"github-enterprise":     {Name: "github-enterprise", Class: "social_core.backends.github_enterprise.GithubEnterpriseOAuth2"},
	"github-org":            {Name: "github-org", Class: "social_core.backends.github.GithubOrganizationOAuth2"},
	"github-team":           {Name: "github-team", Class: "social_core.backends.github.GithubTeamOAuth2"},
}

// backendByClass returns the backend whose social-core class path is class.
func backendByClass(class string) (Backend, bool) {
	for _, b := range backends {
		if b.Class == class {
			return b, true
		}
	}
	return Backend{}, false
}

// extraClasses returns the class paths accepted in `extra_backends`, sorted.
func extraClasses() []string {
	var classes []string
	for _, b := range backends {
		if !b.Builtin {
			classes = append(classes, b.Class)
		}
	}
	sort.Strings(classes)
	return classes
}

// nearestName returns the accepted provider name closest to name by edit
// distance, or "" when none is close enough to be a likely typo.
func nearestName(name string, accepted []string) string {
	best, bestDistance := "", 4
	for _, candidate := range accepted {
		if d := editDistance(name, candidate); d < bestDistance {
			best, bestDistance = candidate, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}
