package config

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
)

// Values of Identity.UsernameConflict.
const (
	// ConflictReject rejects a sign-in whose username belongs to an
	// account that is not bound to the identity.
	ConflictReject = "reject"
	// ConflictSuffix gives such a sign-in an account of its own named
	// <username>-<provider>-<8 hex digits derived from the subject>.
	ConflictSuffix = "suffix"
)

// Sources that a Rule can match.
const (
	// RuleProvider matches every sign-in through the named provider.
	RuleProvider = "provider"
	// RuleRealmRole matches a Keycloak realm role.
	RuleRealmRole = "realm_role"
	// RuleEmail matches a verified email address, ignoring case.
	RuleEmail = "email"
	// RuleEmailDomain matches the domain of a verified email address,
	// ignoring case. Subdomains do not match.
	RuleEmailDomain = "email_domain"
)

var ruleSources = []string{RuleProvider, RuleRealmRole, RuleEmail, RuleEmailDomain}

// Roles are Argilla's user roles, lowest first.
var Roles = []string{"annotator", "admin", "owner"}

// Identity contains the settings that decide which Argilla account a sign-in
// receives and with which role and workspaces.
type Identity struct {
	// UsernameConflict is ConflictReject (the default) or ConflictSuffix.
	UsernameConflict string
	// Links are the operator's explicit links of an identity to an
	// existing Argilla account, by username.
	Links []IdentityLink
	// LinkByUsername lists providers whose sign-ins may link a
	// pre-existing account with the same username, except owner accounts.
	// Only providers with unique usernames are accepted.
	LinkByUsername []string
	// RoleRules grant roles. The highest role among the matching rules and
	// Keycloak argilla_role:<role> realm roles wins.
	RoleRules []Rule
	// WorkspaceRules grant workspaces. When any rule or Keycloak
	// argilla_workspace:<name> realm role matches, the user's workspaces
	// are those, and allowed_workspaces is not used.
	WorkspaceRules []Rule
}

// IdentityLink links the identity (Provider, Subject) to the existing
// Argilla account named Username.
type IdentityLink struct {
	Provider string
	Subject  string
	Username string
}

// String returns the link in the form accepted by identity_links.
func (l IdentityLink) String() string {
	return l.Provider + ":" + l.Subject + "=" + l.Username
}

// Rule grants Target (a role or a workspace) to sign-ins whose Source
// equals Value.
type Rule struct {
	// Source is one of RuleProvider, RuleRealmRole, RuleEmail and
	// RuleEmailDomain.
	Source string
	Value  string
	Target string
}

// String returns the rule in the form accepted by role_rules and
// workspace_rules.
func (r Rule) String() string {
	return r.Source + ":" + r.Value + "=" + r.Target
}

// uniqueUsernameProviders are the providers whose usernames name one
// account at a time: Hugging Face and GitHub usernames, GitLab usernames
// and Keycloak's preferred_username within a realm. Google's username is
// the local part of the email address, which many domains share.
var uniqueUsernameProviders = map[string]bool{
	"huggingface":       true,
	"github":            true,
	"github-org":        true,
	"github-team":       true,
	"github-enterprise": true,
	"gitlab":            true,
	"keycloak":          true,
}

// UniqueUsernames reports whether the usernames of provider belong to one
// account at a time. Even then a username can move to another person
// after a rename (GitHub releases old names at once), so a username is
// never an identity key.
func UniqueUsernames(provider string) bool {
	return uniqueUsernameProviders[provider]
}

// applyIdentity reads the identity settings: AUTHPROXY_<KEY>, then the
// file's `authproxy` section.
func (l *loader) applyIdentity() {
	id := &l.c.Identity

	id.UsernameConflict = l.proxyValue("username_conflict")
	if id.UsernameConflict != ConflictReject && id.UsernameConflict != ConflictSuffix {
		l.problem("username_conflict", id.UsernameConflict, "unknown username conflict policy",
			"write reject (the default) or suffix")
	}

	configured := map[string]bool{}
	for _, p := range l.c.Providers {
		configured[p.Name] = true
	}
	// An OAuth file that failed to load leaves no providers. Its own
	// problem is reported, so provider names are not checked then.
	checkProvider := func(key, value, name string) bool {
		if len(configured) == 0 || configured[name] {
			return true
		}
		l.problem(key, value, fmt.Sprintf("provider %q is not configured", name),
			"use one of the names in the OAuth file's `providers` list")
		return false
	}

	seenLink := map[string]bool{}
	for _, entry := range splitEntries(l.proxyValue("identity_links")) {
		link, err := parseIdentityLink(entry)
		if err != nil {
			l.problem("identity_links", entry, err.Error(),
				"write provider:subject=username, e.g. huggingface:6523f1a0c9e2=alice")
			continue
		}
		if !checkProvider("identity_links", entry, link.Provider) {
			continue
		}
		key := link.Provider + "\x00" + link.Subject
		if seenLink[key] {
			l.problem("identity_links", entry, "identity is linked twice",
				"keep one link for each provider:subject")
			continue
		}
		seenLink[key] = true
		id.Links = append(id.Links, link)
	}

	for _, name := range splitEntries(l.proxyValue("link_existing_by_username")) {
		if !checkProvider("link_existing_by_username", name, name) {
			continue
		}
		if !UniqueUsernames(name) {
			l.problem("link_existing_by_username", name,
				"this provider's usernames are not unique, so a username cannot pick an account",
				"link each account with identity_links (AUTHPROXY_IDENTITY_LINKS) instead")
			continue
		}
		id.LinkByUsername = append(id.LinkByUsername, name)
	}

	id.RoleRules = l.rules("role_rules", configured, func(target string) error {
		if !slices.Contains(Roles, target) {
			return fmt.Errorf("unknown role %q", target)
		}
		return nil
	})
	id.WorkspaceRules = l.rules("workspace_rules", configured, func(string) error { return nil })

	if l.c.OwnerUsername != "" {
		for _, p := range l.c.Providers {
			if !UniqueUsernames(p.Name) {
				l.ps.warn(Problem{
					Where: l.c.sources["owner_username"], Key: "USERNAME", Value: l.c.OwnerUsername,
					Message: fmt.Sprintf("this user becomes owner, but not through %s sign-ins, "+
						"whose usernames are not unique", p.Name),
					Fix: "grant owner with role_rules (email:<address>=owner) or identity_links",
				})
			}
		}
	}
}

// rules parses the list setting key of source:value=target rules. A
// provider rule must name a configured provider, unless none loaded.
func (l *loader) rules(key string, configured map[string]bool, checkTarget func(string) error) []Rule {
	var list []Rule
	for _, entry := range splitEntries(l.proxyValue(key)) {
		r, err := parseRule(entry)
		if err == nil {
			err = checkTarget(r.Target)
		}
		if err == nil && r.Source == RuleProvider && len(configured) > 0 && !configured[r.Value] {
			err = fmt.Errorf("provider %q is not configured", r.Value)
		}
		if err != nil {
			example := "realm_role:labellers=annotator or email_domain:example.com=admin"
			if key == "workspace_rules" {
				example = "realm_role:labellers=team-a or email:alice@example.com=team-b"
			}
			l.problem(key, entry, err.Error(), "write source:value=target, e.g. "+example+
				"; sources: "+strings.Join(ruleSources, ", "))
			continue
		}
		list = append(list, r)
	}
	return list
}

// parseIdentityLink parses provider:subject=username. The provider ends
// at the first ":" and the subject at the first "=", so a username may
// contain both.
func parseIdentityLink(entry string) (IdentityLink, error) {
	provider, rest, ok := strings.Cut(entry, ":")
	if !ok {
		return IdentityLink{}, fmt.Errorf("missing \":\" after the provider")
	}
	subject, username, ok := strings.Cut(rest, "=")
	if !ok {
		return IdentityLink{}, fmt.Errorf("missing \"=\" before the username")
	}
	link := IdentityLink{
		Provider: strings.TrimSpace(provider),
		Subject:  strings.TrimSpace(subject),
		Username: strings.TrimSpace(username),
	}
	switch {
	case link.Provider == "":
		return IdentityLink{}, fmt.Errorf("missing provider")
	case link.Subject == "":
		return IdentityLink{}, fmt.Errorf("missing subject")
	case link.Username == "":
		return IdentityLink{}, fmt.Errorf("missing username")
	}
	return link, nil
}

// parseRule parses source:value=target. The source ends at the first ":"
// and the target starts after the last "=", so a value may contain both.
func parseRule(entry string) (Rule, error) {
	source, rest, ok := strings.Cut(entry, ":")
	if !ok {
		return Rule{}, fmt.Errorf("missing \":\" after the source")
	}
	i := strings.LastIndexByte(rest, '=')
	if i < 0 {
		return Rule{}, fmt.Errorf("missing \"=\" before the target")
	}
	r := Rule{
		Source: strings.TrimSpace(source),
		Value:  strings.TrimSpace(rest[:i]),
		Target: strings.TrimSpace(rest[i+1:]),
	}
	switch {
	case !slices.Contains(ruleSources, r.Source):
		return Rule{}, fmt.Errorf("unknown source %q", r.Source)
	case r.Value == "":
		return Rule{}, fmt.Errorf("missing value")
	case r.Target == "":
		return Rule{}, fmt.Errorf("missing target")
	}
	if r.Source == RuleEmail {
		addr, err := mail.ParseAddress(r.Value)
		if err != nil || addr.Address != r.Value || strings.Count(r.Value, "@") != 1 {
			return Rule{}, fmt.Errorf("invalid email address %q", r.Value)
		}
	}
	if r.Source == RuleEmailDomain && strings.ContainsAny(r.Value, "@ ") {
		return Rule{}, fmt.Errorf("invalid email domain %q: write the domain alone", r.Value)
	}
	return r, nil
}

// splitEntries splits a list setting at commas and newlines and drops
// empty entries.
func splitEntries(s string) []string {
	var list []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if part = strings.TrimSpace(part); part != "" {
			list = append(list, part)
		}
	}
	return list
}

// describeIdentity writes the identity settings with Describe's line.
func (c *Config) describeIdentity(line func(key, value string)) {
	join := func(items []string) string { return "[" + strings.Join(items, ", ") + "]" }
	id := c.Identity

	line("username_conflict", id.UsernameConflict)
	links := make([]string, len(id.Links))
	for i, l := range id.Links {
		links[i] = l.String()
	}
	line("identity_links", join(links))
	line("link_existing_by_username", join(id.LinkByUsername))
	line("role_rules", join(ruleStrings(id.RoleRules)))
	line("workspace_rules", join(ruleStrings(id.WorkspaceRules)))
}

func ruleStrings(rules []Rule) []string {
	list := make([]string, len(rules))
	for i, r := range rules {
		list[i] = r.String()
	}
	return list
}
