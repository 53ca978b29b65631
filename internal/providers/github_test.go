package providers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/argilla-authproxy/authproxy/internal/providers/fakes"
)

func gitHubFake(t *testing.T, apiPrefix string) (*fakes.GitHub, Options) {
	fake := fakes.NewGitHub(t, apiPrefix)
	return fake, Options{hosts: hostsFor(fake.URL, gitHubWeb, gitHubAPI)}
}

var octocat = fakes.GitHubUser{
	ID: 583231, Login: "octocat", Name: "The Octocat",
	Emails: []fakes.GitHubEmail{
		{Email: "old@example.com", Primary: false, Verified: true},
		{Email: "octocat@example.com", Primary: true, Verified: true},
	},
	Orgs:  map[string]bool{"argilla-io": false},
	Teams: map[int64]string{42: "active", 43: "pending"},
}

func TestGitHubLogin(t *testing.T) {
	tests := []struct {
		name      string
		user      fakes.GitHubUser
		scope     string
		format    string
		username  string
		firstName string
		email     string
		verified  bool
	}{
		{"form-encoded token, private email", octocat, "user:email", "form", "octocat", "The",
			"octocat@example.com", true},
		{"JSON token", octocat, "user:email", "json", "octocat", "The", "octocat@example.com", true},
		{"no email scope", octocat, "", "form", "octocat", "The", "", false},
		{"public email without email scope",
			fakes.GitHubUser{ID: 7, Login: "hubot", Email: "hubot@example.com"}, "", "form", "hubot", "hubot",
			"hubot@example.com", false},
		{"no name", fakes.GitHubUser{ID: 8, Login: "noname"}, "read:user,user:email", "form", "noname", "noname",
			"", false},
		{"no verified primary email",
			fakes.GitHubUser{ID: 9, Login: "unverified", Emails: []fakes.GitHubEmail{{Email: "u@example.com", Primary: true}}},
			"user:email", "form", "unverified", "unverified", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, opts := gitHubFake(t, "")
			fake.SignIn(tt.user)
			fake.Break(fakes.GitHubFaults{TokenFormat: tt.format})
			entry := testProvider{name: "github", clientID: fake.ClientID, clientSecret: fake.ClientSecret, scope: tt.scope}
			id := mustLogin(t, newProvider(t, entry, nil, opts))

			if id.Subject != strconv.FormatInt(tt.user.ID, 10) {
				t.Errorf("subject = %q, expected the numeric id %d", id.Subject, tt.user.ID)
			}
			if id.Username != tt.username || id.FirstName != tt.firstName {
				t.Errorf("username, first name = %q, %q, expected %q, %q", id.Username, id.FirstName, tt.username, tt.firstName)
			}
			if id.Email != tt.email || id.EmailVerified != tt.verified {
				t.Errorf("email = %q (verified %v), expected %q (verified %v)", id.Email, id.EmailVerified, tt.email, tt.verified)
			}
		})
	}
}

func TestGitHubErrors(t *testing.T) {
	tests := []struct {
		name      string
		faults    fakes.GitHubFaults
		status    int
		code      string
		fragments []string
	}{
		{"200 with bad_verification_code, form", fakes.GitHubFaults{TokenError: "bad_verification_code"},
			http.StatusUnauthorized, "bad_verification_code", []string{"github rejected the authorization code"}},
		{"200 with bad_verification_code, JSON",
			fakes.GitHubFaults{TokenError: "bad_verification_code", TokenFormat: "json"},
			http.StatusUnauthorized, "bad_verification_code", []string{"incorrect or expired"}},
		{"401 from the user API", fakes.GitHubFaults{UserStatus: http.StatusUnauthorized},
			http.StatusUnauthorized, "", []string{"rejected the access token", "/user", "Unauthorized"}},
		{"500 from the user API", fakes.GitHubFaults{UserStatus: http.StatusInternalServerError},
			http.StatusBadGateway, "", []string{"HTTP 500", "try again later"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, opts := gitHubFake(t, "")
			fake.SignIn(octocat)
			fake.Break(tt.faults)
			entry := testProvider{name: "github", clientID: fake.ClientID, clientSecret: fake.ClientSecret}
			err := loginError(t, newProvider(t, entry, nil, opts))
			checkError(t, err, tt.status, tt.fragments...)
			if err.Code != tt.code {
				t.Errorf("code = %q, expected %q", err.Code, tt.code)
			}
		})
	}
}

func TestGitHubWrongClientSecret(t *testing.T) {
	fake, opts := gitHubFake(t, "")
	fake.SignIn(octocat)
	entry := testProvider{name: "github", clientID: fake.ClientID, clientSecret: "wrong"}
	err := loginError(t, newProvider(t, entry, nil, opts))
	checkError(t, err, http.StatusUnauthorized, "incorrect_client_credentials")
}

func TestGitHubEnterpriseLogin(t *testing.T) {
	fake := fakes.NewGitHub(t, "/api/v3")
	fake.SignIn(octocat)
	entry := testProvider{name: "github-enterprise", clientID: fake.ClientID, clientSecret: fake.ClientSecret,
		scope: "user:email"}
	env := map[string]string{
		"SOCIAL_AUTH_GITHUB_ENTERPRISE_URL":     fake.URL + "/",
		"SOCIAL_AUTH_GITHUB_ENTERPRISE_API_URL": fake.URL + "/api/v3/",
	}
	id := mustLogin(t, newProvider(t, entry, env, Options{}))
	if id.Username != "octocat" || id.Email != "octocat@example.com" || id.Provider != "github-enterprise" {
		t.Errorf("identity = %+v", *id)
	}
}

func TestGitHubRestrictions(t *testing.T) {
	tests := []struct {
		name      string
		provider  string
		env       map[string]string
		user      fakes.GitHubUser
		scope     string
		fragments []string
	}{
		{"org member with private membership", "github-org",
			map[string]string{"SOCIAL_AUTH_GITHUB_ORG_NAME": "argilla-io"}, octocat, "", nil},
		{"org outsider", "github-org", map[string]string{"SOCIAL_AUTH_GITHUB_ORG_NAME": "other-org"}, octocat, "",
			[]string{`"octocat"`, `"other-org"`, "not a member"}},
		{"private org member without read:org", "github-org",
			map[string]string{"SOCIAL_AUTH_GITHUB_ORG_NAME": "argilla-io"}, octocat, "user:email",
			[]string{"not a member", "read:org"}},
		{"active team member", "github-team", map[string]string{"SOCIAL_AUTH_GITHUB_TEAM_ID": "42"}, octocat, "", nil},
		{"pending team member", "github-team", map[string]string{"SOCIAL_AUTH_GITHUB_TEAM_ID": "43"}, octocat, "",
			[]string{"pending", "accept the invitation"}},
		{"team outsider", "github-team", map[string]string{"SOCIAL_AUTH_GITHUB_TEAM_ID": "44"}, octocat, "",
			[]string{"not a member of the team with id 44"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, opts := gitHubFake(t, "")
			fake.SignIn(tt.user)
			entry := testProvider{name: tt.provider, clientID: fake.ClientID, clientSecret: fake.ClientSecret, scope: tt.scope}
			p := newProvider(t, entry, tt.env, opts)
			if tt.fragments == nil {
				if id := mustLogin(t, p); id.Username != tt.user.Login {
					t.Errorf("username = %q", id.Username)
				}
				return
			}
			checkError(t, loginError(t, p), http.StatusForbidden, tt.fragments...)
		})
	}
}

func TestGitHubRestrictionSettings(t *testing.T) {
	tests := []struct {
		name     string
		provider string
		env      map[string]string
		fragment string
	}{
		{"org without name", "github-org", nil, "SOCIAL_AUTH_GITHUB_ORG_NAME"},
		{"team without id", "github-team", nil, "SOCIAL_AUTH_GITHUB_TEAM_ID"},
		{"team with a slug", "github-team", map[string]string{"SOCIAL_AUTH_GITHUB_TEAM_ID": "core-team"}, "not a numeric team id"},
		{"enterprise without URL", "github-enterprise", nil, "SOCIAL_AUTH_GITHUB_ENTERPRISE_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadConfig(t, []testProvider{{name: tt.provider, clientID: "id", clientSecret: "secret"}}, tt.env)
			_, err := New(cfg.Providers[0], Options{})
			if err == nil || !strings.Contains(err.Error(), tt.fragment) {
				t.Errorf("New = %v, expected an error containing %q", err, tt.fragment)
			}
		})
	}
}
