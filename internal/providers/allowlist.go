package providers

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// allowList holds social-core's WHITELISTED_EMAILS and WHITELISTED_DOMAINS
// settings for one provider, lower-cased.
type allowList struct {
	emails  map[string]bool
	domains map[string]bool
}

// newAllowList reads SOCIAL_AUTH_<NAME>_WHITELISTED_EMAILS and
// SOCIAL_AUTH_<NAME>_WHITELISTED_DOMAINS (and social-core's shorter
// spellings). Each is a list separated by commas or white space.
func newAllowList(p config.Provider) allowList {
	read := func(setting string) map[string]bool {
		value, _ := p.Setting(setting)
		set := map[string]bool{}
		for _, item := range strings.FieldsFunc(value, func(r rune) bool {
			return r == ',' || r == ' ' || r == '\t' || r == '\n'
		}) {
			set[strings.ToLower(item)] = true
		}
		return set
	}
	return allowList{emails: read("WHITELISTED_EMAILS"), domains: read("WHITELISTED_DOMAINS")}
}

func (a allowList) empty() bool {
	return len(a.emails) == 0 && len(a.domains) == 0
}

// check returns nil when the identity's email is verified and is listed, or
// its domain is. Domains match exactly: "badexample.com" is not
// "example.com", and neither is "mail.example.com".
//
// Unlike social-core, which lets a person without an email through, an
// identity without a verified email is rejected: a restriction that was
// configured must never pass by default.
func (a allowList) check(provider string, id *Identity) error {
	reject := func(msg string) error {
		return &Error{Status: http.StatusForbidden, Message: msg}
	}
	if id.Email == "" {
		return reject(provider + " sent no email address, and sign-in is limited to listed " +
			"addresses; ask the administrator to request the email scope")
	}
	local, domain, ok := strings.Cut(strings.ToLower(id.Email), "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return reject("the email address " + strconv.Quote(id.Email) + " from " + provider + " is invalid")
	}
	if !id.EmailVerified {
		return reject(provider + " has not verified the email address " + strconv.Quote(id.Email) +
			"; verify it with " + provider + " and sign in again")
	}
	if a.emails[local+"@"+domain] || a.domains[domain] {
		return nil
	}
	return reject("the email address " + strconv.Quote(id.Email) + " is not allowed to sign in; " +
		"ask the administrator to add it or its domain to the allow-list")
}

// allowListed applies an allow-list after its provider's exchange.
type allowListed struct {
	Provider
	allow allowList
}

func (a *allowListed) Exchange(ctx context.Context, r Request, callback url.Values) (*Identity, error) {
	id, err := a.Provider.Exchange(ctx, r, callback)
	if err != nil {
		return nil, err
	}
	if err := a.allow.check(a.Name(), id); err != nil {
		return nil, err
	}
	return id, nil
}
