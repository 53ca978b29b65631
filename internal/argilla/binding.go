package argilla

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/google/uuid"
)

// bindingNamespace is the UUID namespace of user ids derived from
// (provider, subject). Changing it would orphan every account authproxy has
// created.
var bindingNamespace = uuid.MustParse("6f1c2a57-3b0e-4d8e-9a51-0c7d3e8b2f14")

// BindingID returns the Argilla user id for the identity (provider,
// subject). Argilla accepts a client-chosen id at user creation, so this
// id binds the account to the identity without a local database, across
// restarts and replicas. Provider names contain no NUL byte, so the
// name hashed is unambiguous.
func BindingID(provider, subject string) string {
	return uuid.NewSHA1(bindingNamespace, []byte(provider+"\x00"+subject)).String()
}

// createdByProxy reports whether id is a BindingID. Argilla gives the
// users it creates itself random version-4 UUIDs, and BindingID returns
// version-5 UUIDs. Only an Argilla owner can choose another user's id.
func createdByProxy(id string) bool {
	parsed, err := uuid.Parse(id)
	return err == nil && parsed.Version() == 5
}

// Markers that authproxy writes into an account's last name. The last
// name is free text that only owners can change, and Argilla's own OAuth
// leaves it empty.
const (
	// linkMarkerPrefix, followed by a BindingID, binds a pre-existing
	// account to the identity it was linked to by username.
	linkMarkerPrefix = "authproxy-link:"
	// pendingMarker marks an account that authproxy has created but not
	// yet added to all its workspaces. The next sign-in of its identity
	// finishes the work.
	pendingMarker = "authproxy-pending"
)

// linkMarker returns the last name that binds a linked account to id.
func linkMarker(id string) string {
	return linkMarkerPrefix + id
}

// linkedTo returns the BindingID recorded in u's last name, if any.
func linkedTo(u *User) (string, bool) {
	if u.LastName == nil {
		return "", false
	}
	id, ok := strings.CutPrefix(*u.LastName, linkMarkerPrefix)
	if !ok {
		return "", false
	}
	return id, true
}

func isPending(u *User) bool {
	return u.LastName != nil && *u.LastName == pendingMarker
}

// DerivedUsername returns the username given to (provider, subject) when
// username belongs to another account and the conflict policy is
// "suffix": username-provider-<first 8 hex digits of SHA-256 of provider
// and subject>. The result is the same on every replica and every sign-in.
func DerivedUsername(provider, subject, username string) string {
	sum := sha256.Sum256([]byte(provider + "\x00" + subject))
	return username + "-" + provider + "-" + hex.EncodeToString(sum[:4])
}
