package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// GitHub's public hosts; GitHub Enterprise replaces them with the URL and
// API_URL settings.
const (
	gitHubWeb = "https://github.com"
	gitHubAPI = "https://api.github.com"
)

// gitHubRestriction limits sign-in to the members of an organization or a
// team.
type gitHubRestriction struct {
	org    string
	teamID string
}

func newGitHub(p config.Provider, opts Options) (Provider, error) {
	return newGitHubProvider(p, opts, opts.host(gitHubWeb), opts.host(gitHubAPI), gitHubRestriction{}), nil
}

// newGitHubEnterprise returns social-core's github-enterprise backend: the
// web host from URL and the REST API from API_URL, such as
// https://github.example.com/ and https://github.example.com/api/v3/.
func newGitHubEnterprise(p config.Provider, opts Options) (Provider, error) {
	web, _ := p.Setting("URL")
	api, _ := p.Setting("API_URL")
	for variable, value := range map[string]string{settingVar(p, "URL"): web, settingVar(p, "API_URL"): api} {
		if value == "" {
			return nil, fmt.Errorf("missing %s; set URL to the GitHub Enterprise address and API_URL to its "+
				"REST API, for example https://github.example.com/ and https://github.example.com/api/v3/", variable)
		}
		if err := checkURL(variable, value); err != nil {
			return nil, err
		}
	}
	return newGitHubProvider(p, opts, web, api, gitHubRestriction{}), nil
}

// newGitHubOrg returns social-core's github-org backend: GitHub sign-in
// limited to the members of the organization in NAME
// (SOCIAL_AUTH_GITHUB_ORG_NAME).
func newGitHubOrg(p config.Provider, opts Options) (Provider, error) {
	org, _ := p.Setting("NAME")
	if org == "" {
		return nil, errors.New("missing organization; set " + settingVar(p, "NAME") + " to the organization's login")
	}
	return newGitHubProvider(p, opts, opts.host(gitHubWeb), opts.host(gitHubAPI), gitHubRestriction{org: org}), nil
}

// newGitHubTeam returns social-core's github-team backend: GitHub sign-in
// limited to the active members of the team in ID
// (SOCIAL_AUTH_GITHUB_TEAM_ID), a numeric team id.
func newGitHubTeam(p config.Provider, opts Options) (Provider, error) {
	team, _ := p.Setting("ID")
	idVar := settingVar(p, "ID")
	if team == "" {
		return nil, errors.New("missing team; set " + idVar + " to the team's numeric id")
	}
	if _, err := strconv.ParseUint(team, 10, 64); err != nil {
		return nil, fmt.Errorf("%s=%q is not a numeric team id; read the id from "+
			"GET /orgs/<org>/teams/<team-slug> in GitHub's REST API", idVar, team)
	}
	return newGitHubProvider(p, opts, opts.host(gitHubWeb), opts.host(gitHubAPI), gitHubRestriction{teamID: team}), nil
}

func newGitHubProvider(p config.Provider, opts Options, web, api string, restriction gitHubRestriction) Provider {
	web, api = strings.TrimSuffix(web, "/"), strings.TrimSuffix(api, "/")
	provider := &apiProvider{
		cfg:  p,
		opts: opts,
		endpoint: oauth2.Endpoint{
			AuthURL:   web + "/login/oauth/authorize",
			TokenURL:  web + "/login/oauth/access_token",
			AuthStyle: oauth2.AuthStyleInParams,
		},
		header: http.Header{
			"Accept":               {"application/vnd.github+json"},
			"X-Github-Api-Version": {"2022-11-28"},
			"User-Agent":           {"authproxy"},
		},
	}
	if restriction.org != "" || restriction.teamID != "" {
		// Private organization and team memberships are visible only with
		// read:org, as social-core's Enterprise variants request.
		provider.defaultScopes = []string{"read:org"}
	}
	provider.identify = func(ctx context.Context, client *apiClient, token *oauth2.Token) (*Identity, error) {
		identity, login, err := gitHubIdentity(ctx, p, opts.Logger, client, api, token)
		if err != nil {
			return nil, err
		}
		if err := restriction.check(ctx, client, api, login); err != nil {
			return nil, err
		}
		return identity, nil
	}
	return provider
}

// gitHubIdentity reads the person from GET /user with social-core's rules:
// the subject is the numeric id, the username is login, the first name is
// the first word of name. A missing or private email is read from
// GET /user/emails (the primary, verified address) when the token's scope
// allows it; no email is required.
func gitHubIdentity(ctx context.Context, p config.Provider, log *slog.Logger, client *apiClient, api string,
	token *oauth2.Token) (*Identity, string, error) {
	user := claims{}
	if err := client.getJSON(ctx, api+"/user", &user); err != nil {
		return nil, "", err
	}
	subject, login := user.str("id"), user.str("login")
	if subject == "" || login == "" {
		return nil, "", &Error{Status: http.StatusBadGateway, Message: p.Name + " sent a user without id or login"}
	}
	claim := usernameKey(p, "login")
	username := user.str(claim)
	if err := requireUsername(p.Name, claim, username); err != nil {
		return nil, "", err
	}

	identity := &Identity{Subject: subject, Username: username, FirstName: firstWord(user.str("name")),
		Email: user.str("email")}
	if gitHubScopeAllowsEmails(token) {
		email, err := gitHubVerifiedEmail(ctx, client, api)
		switch {
		case err != nil:
			log.Warn("could not read the GitHub email list; continuing without it",
				slog.String("provider", p.Name), slog.String("user", login), slog.Any("error", err))
		case email != "":
			identity.Email, identity.EmailVerified = email, true
		}
	}
	return withFirstNameFallback(identity), login, nil
}

// gitHubScopeAllowsEmails reports whether the granted scope, which GitHub
// returns comma-separated in the token response, includes user:email or
// user. When GitHub names no scope, the list is tried anyway.
func gitHubScopeAllowsEmails(token *oauth2.Token) bool {
	granted, _ := token.Extra("scope").(string)
	if granted == "" {
		return true
	}
	scopes := strings.FieldsFunc(granted, func(r rune) bool { return r == ',' || r == ' ' })
	return slices.Contains(scopes, "user:email") || slices.Contains(scopes, "user")
}

// gitHubVerifiedEmail returns the primary, verified address from
// GET /user/emails, or "" when there is none.
func gitHubVerifiedEmail(ctx context.Context, client *apiClient, api string) (string, error) {
	var emails []struct {
		Email    string `json:"email"`
		Primary  bool   `json:"primary"`
		Verified bool   `json:"verified"`
	}
	if err := client.getJSON(ctx, api+"/user/emails", &emails); err != nil {
		return "", err
	}
	for _, e := range emails {
		if e.Primary && e.Verified {
			return e.Email, nil
		}
	}
	return "", nil
}

// check returns nil when there is no restriction or login passes it. It
// uses GET /orgs/{org}/members/{username}, which returns 204 for a member
// and 302 or 404 otherwise, and GET /teams/{team_id}/memberships/{username},
// which returns 200 with "state": "active" for a member.
func (r gitHubRestriction) check(ctx context.Context, client *apiClient, api, login string) error {
	reject := func(msg string) error { return &Error{Status: http.StatusForbidden, Message: msg} }
	switch {
	case r.org != "":
		target := api + "/orgs/" + url.PathEscape(r.org) + "/members/" + url.PathEscape(login)
		status, body, err := client.get(ctx, target)
		if err != nil {
			return err
		}
		switch status {
		case http.StatusNoContent:
			return nil
		case http.StatusFound, http.StatusNotFound:
			return reject(fmt.Sprintf("the GitHub account %q is not a member of the organization %q; ask an "+
				"owner to add it (a private membership is visible only with the read:org scope)", login, r.org))
		}
		return client.statusError(target, status, body)

	case r.teamID != "":
		target := api + "/teams/" + url.PathEscape(r.teamID) + "/memberships/" + url.PathEscape(login)
		status, body, err := client.get(ctx, target)
		if err != nil {
			return err
		}
		if status == http.StatusNotFound {
			return reject(fmt.Sprintf("the GitHub account %q is not a member of the team with id %s; "+
				"ask a maintainer of the team to add it", login, r.teamID))
		}
		if status != http.StatusOK {
			return client.statusError(target, status, body)
		}
		var membership struct {
			State string `json:"state"`
		}
		if err := json.Unmarshal(body, &membership); err != nil {
			return &Error{Status: http.StatusBadGateway, Message: "GitHub sent an invalid team membership", Err: err}
		}
		if membership.State != "active" {
			return reject(fmt.Sprintf("the GitHub account %q has a %s membership in the team with id %s; "+
				"accept the invitation on GitHub and sign in again", login, membership.State, r.teamID))
		}
	}
	return nil
}
