package argilla

import (
	"strings"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// Identity is a signed-in person as the provider describes them.
type Identity struct {
	Provider string
	// Subject is the provider's stable id for the person. With Provider it
	// is the identity key; the username never is.
	Subject   string
	Username  string
	FirstName string
	Email     string
	// EmailVerified must be true for email rules to match.
	EmailVerified bool
	// RealmRoles are Keycloak's realm roles.
	RealmRoles []string
}

// Policy maps identities to the Argilla accounts they should have, from
// the configuration: Argilla's own rules (Keycloak realm roles, USERNAME,
// allowed_workspaces, sync_user) and authproxy's identity settings.
type Policy struct {
	ownerUsername     string
	allowedWorkspaces []string
	conflict          string
	sync              map[string]bool
	links             map[identityKey]string
	linkTargets       map[string]bool
	linkByUsername    map[string]bool
	roleRules         []config.Rule
	workspaceRules    []config.Rule
}

type identityKey struct{ provider, subject string }

// NewPolicy returns the policy of cfg.
func NewPolicy(cfg *config.Config) *Policy {
	p := &Policy{
		ownerUsername:     cfg.OwnerUsername,
		allowedWorkspaces: cfg.AllowedWorkspaces,
		conflict:          cfg.Identity.UsernameConflict,
		sync:              map[string]bool{},
		links:             map[identityKey]string{},
		linkTargets:       map[string]bool{},
		linkByUsername:    map[string]bool{},
		roleRules:         cfg.Identity.RoleRules,
		workspaceRules:    cfg.Identity.WorkspaceRules,
	}
	for _, provider := range cfg.Providers {
		p.sync[provider.Name] = provider.SyncUser
	}
	for _, link := range cfg.Identity.Links {
		p.links[identityKey{link.Provider, link.Subject}] = link.Username
		p.linkTargets[link.Username] = true
	}
	for _, name := range cfg.Identity.LinkByUsername {
		p.linkByUsername[name] = true
	}
	return p
}

// Account returns the account request of a sign-in by identity.
//
// Role: the highest of the Keycloak argilla_role:<role> realm roles and
// the matching role rules; without any, Argilla's USERNAME rule applies
// (see Account.OwnerUsername), and otherwise the role is annotator.
// Workspaces: the Keycloak argilla_workspace:<name> realm roles and the
// matching workspace rules; without any, allowed_workspaces.
func (p *Policy) Account(identity Identity) Account {
	a := Account{
		Provider:       identity.Provider,
		Subject:        identity.Subject,
		Username:       identity.Username,
		FirstName:      identity.FirstName,
		Sync:           p.sync[identity.Provider],
		Link:           p.links[identityKey{identity.Provider, identity.Subject}],
		LinkByUsername: p.linkByUsername[identity.Provider],
		Conflict:       p.conflict,
		LinkTargets:    p.linkTargets,
	}

	// The USERNAME rule makes the account with that username an owner. It
	// applies only where a username names one person: through an explicit
	// link, or for a provider with unique usernames.
	if p.ownerUsername != "" && (a.Link != "" || config.UniqueUsernames(identity.Provider)) {
		a.OwnerUsername = p.ownerUsername
	}

	var workspaces []string
	for _, role := range identity.RealmRoles {
		if name, ok := strings.CutPrefix(role, "argilla_role:"); ok {
			a.Role = higherRole(a.Role, name)
		}
		if name, ok := strings.CutPrefix(role, "argilla_workspace:"); ok && name != "" {
			workspaces = appendNew(workspaces, name)
		}
	}
	for _, r := range p.roleRules {
		if ruleMatches(r, identity) {
			a.Role = higherRole(a.Role, r.Target)
		}
	}
	for _, r := range p.workspaceRules {
		if ruleMatches(r, identity) {
			workspaces = appendNew(workspaces, r.Target)
		}
	}
	a.Workspaces = workspaces
	if len(workspaces) == 0 {
		a.Workspaces = p.allowedWorkspaces
	}
	return a
}

// roleRank orders Argilla's roles; unknown roles rank 0.
func roleRank(role string) int {
	for i, r := range config.Roles {
		if r == role {
			return i + 1
		}
	}
	return 0
}

// higherRole returns the higher of two roles, ignoring unknown ones.
func higherRole(current, candidate string) string {
	if roleRank(candidate) > roleRank(current) {
		return candidate
	}
	return current
}

func ruleMatches(r config.Rule, identity Identity) bool {
	switch r.Source {
	case config.RuleProvider:
		return identity.Provider == r.Value
	case config.RuleRealmRole:
		for _, role := range identity.RealmRoles {
			if role == r.Value {
				return true
			}
		}
	case config.RuleEmail:
		return identity.EmailVerified && strings.EqualFold(identity.Email, r.Value)
	case config.RuleEmailDomain:
		domain, ok := emailDomain(identity.Email)
		return identity.EmailVerified && ok && strings.EqualFold(domain, r.Value)
	}
	return false
}

// emailDomain returns the domain of an address with exactly one "@", so
// that "a@evil.example@example.com" matches no domain.
func emailDomain(email string) (string, bool) {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return "", false
	}
	return domain, true
}

func appendNew(list []string, s string) []string {
	for _, item := range list {
		if item == s {
			return list
		}
	}
	return append(list, s)
}
