package config

import (
	"fmt"
	"strings"
)

// Problem is one configuration mistake.
type Problem struct {
	// Where is the file and line ("/etc/argilla/.oauth.yml:7"), the
	// variable ("env OAUTH2_KEYCLOAK_CLIENT_ID") or the flag.
	Where string
	// Key is the setting, such as "providers[0].name".
	Key string
	// Value is the offending value; empty for secrets and absent values.
	Value string
	// Message says what is wrong.
	Message string
	// Fix says what to do.
	Fix string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Where)
	b.WriteString(": ")
	b.WriteString(p.Key)
	if p.Value != "" {
		fmt.Fprintf(&b, " = %q", p.Value)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	if p.Fix != "" {
		b.WriteString("; fix: ")
		b.WriteString(p.Fix)
	}
	return b.String()
}

// Error lists every mistake found while loading the configuration.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	lines = append(lines, fmt.Sprintf("invalid configuration (%d problems):", len(e.Problems)))
	for _, p := range e.Problems {
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}

type problems struct {
	list []Problem
}

func (ps *problems) add(p Problem) {
	ps.list = append(ps.list, p)
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &Error{Problems: ps.list}
}
