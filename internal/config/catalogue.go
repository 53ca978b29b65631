package config

import (
	"slices"
	"sort"
)

// Backend describes one sign-in provider as Argilla names it: the name used
// in the OAuth file and the social-core class that Argilla loads for it.
type Backend struct {
	// Name is social-core's backend name, the value of `name` in the file.
	Name string
	// Class is the class path that `extra_backends` lists.
	Class string
	// Builtin is true for the four providers Argilla 2.8 loads without
	// `extra_backends`.
	Builtin bool
	// ReadsOIDCEndpoint is true for backends that find their OpenID
	// Connect discovery document through the OIDC_ENDPOINT setting.
	ReadsOIDCEndpoint bool
	// DefaultOIDCEndpoint applies when no OIDC_ENDPOINT setting is found;
	// empty means the setting is required.
	DefaultOIDCEndpoint string
}

// backends lists every provider authproxy accepts, keyed by name. Each
// class path, name and base class was checked against social-auth-core
// 4.5.6 and argilla-server 2.8.0 (TestCatalogueMatchesSocialCore repeats
// the check where that Python environment is installed).
var backends = map[string]Backend{
	"huggingface": {
		Name: "huggingface", Class: "argilla_server.security.authentication.oauth2._backends.HuggingfaceOpenId",
		Builtin: true, ReadsOIDCEndpoint: true, DefaultOIDCEndpoint: "https://huggingface.co",
	},
	"keycloak": {
		Name: "keycloak", Class: "argilla_server.security.authentication.oauth2._backends.KeycloakOpenId",
		Builtin: true, ReadsOIDCEndpoint: true,
	},
	"github":        {Name: "github", Class: "social_core.backends.github.GithubOAuth2", Builtin: true},
	"google-oauth2": {Name: "google-oauth2", Class: "social_core.backends.google.GoogleOAuth2", Builtin: true},

	"apple-id":              {Name: "apple-id", Class: "social_core.backends.apple.AppleIdAuth"},
	"oidc":                  {Name: "oidc", Class: "social_core.backends.open_id_connect.OpenIdConnectAuth", ReadsOIDCEndpoint: true},
	"gitlab":                {Name: "gitlab", Class: "social_core.backends.gitlab.GitLabOAuth2"},
	"microsoft-graph":       {Name: "microsoft-graph", Class: "social_core.backends.microsoft.MicrosoftOAuth2"},
	"azuread-tenant-oauth2": {Name: "azuread-tenant-oauth2", Class: "social_core.backends.azuread_tenant.AzureADTenantOAuth2"},
	"okta-openidconnect":    {Name: "okta-openidconnect", Class: "social_core.backends.okta_openidconnect.OktaOpenIdConnect"},
	"auth0":                 {Name: "auth0", Class: "social_core.backends.auth0.Auth0OAuth2"},
	"github-enterprise":     {Name: "github-enterprise", Class: "social_core.backends.github_enterprise.GithubEnterpriseOAuth2"},
	"github-org":            {Name: "github-org", Class: "social_core.backends.github.GithubOrganizationOAuth2"},
	"github-team":           {Name: "github-team", Class: "social_core.backends.github.GithubTeamOAuth2"},
}

// nameAliases maps misspellings that Argilla's own documentation prints to
// the backend name. Argilla 2.8 rejects them; authproxy accepts them with a
// warning, because operators copy the documentation's example.
var nameAliases = map[string]string{
	"keycloack": "keycloak",
}

// backendByClass returns the backend whose class path is class.
func backendByClass(class string) (Backend, bool) {
	for _, b := range backends {
		if b.Class == class {
			return b, true
		}
	}
	return Backend{}, false
}

// builtinNames returns the names of the built-in providers, sorted.
func builtinNames() []string {
	var names []string
	for _, b := range backends {
		if b.Builtin {
			names = append(names, b.Name)
		}
	}
	sort.Strings(names)
	return names
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

// nearestName returns the entry of accepted closest to name by edit
// distance, or "" when none is close enough to be a likely typo.
func nearestName(name string, accepted []string) string {
	best, bestDistance := "", max(3, len(name)/3)+1
	for _, candidate := range accepted {
		if d := editDistance(name, candidate); d < bestDistance {
			best, bestDistance = candidate, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in
// bytes.
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

// sortedUnique returns the sorted, de-duplicated union of lists.
func sortedUnique(lists ...[]string) []string {
	var all []string
	for _, list := range lists {
		all = append(all, list...)
	}
	sort.Strings(all)
	return slices.Compact(all)
}
