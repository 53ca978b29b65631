package providers

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// claims are the ID token and userinfo claims merged (userinfo last), or a
// provider API's user object.
type claims map[string]any

// str returns the claim as a string. Numbers are written in decimal, since
// GitHub, GitLab and others send numeric ids.
func (c claims) str(name string) string {
	switch v := c[name].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// boolean returns the claim as a bool. Apple and AWS Cognito send
// email_verified as the string "true".
func (c claims) boolean(name string) bool {
	switch v := c[name].(type) {
	case bool:
		return v
	case string:
		b, _ := strconv.ParseBool(v)
		return b
	}
	return false
}

// firstWord returns the first word of a full name, as social-core's
// get_user_names does for the first name.
func firstWord(name string) string {
	if fields := strings.Fields(name); len(fields) > 0 {
		return fields[0]
	}
	return ""
}

// usernameKey returns the claim that holds the username: the provider's
// USERNAME_KEY setting (SOCIAL_AUTH_<NAME>_USERNAME_KEY), or def.
func usernameKey(p config.Provider, def string) string {
	if key, _ := p.Setting("USERNAME_KEY"); key != "" {
		return key
	}
	return def
}

// requireUsername returns an Error when the claim that holds the username
// is empty, because Argilla rejects an empty username.
func requireUsername(provider, claim, username string) error {
	if username != "" {
		return nil
	}
	return &Error{Status: http.StatusUnprocessableEntity,
		Message: provider + " sent no " + claim + ", which is the Argilla username; " +
			"ask the administrator to check the provider's scopes or its USERNAME_KEY setting"}
}

// withFirstNameFallback sets FirstName to the username when the provider
// sent no name, as Argilla does.
func withFirstNameFallback(id *Identity) *Identity {
	if id.FirstName == "" {
		id.FirstName = id.Username
	}
	return id
}
