package config

import (
	"fmt"
	"strings"
)

// Problem is one configuration mistake, or one warning about a setting
// that authproxy accepts but that is probably not what the operator meant.
type Problem struct {
	// Where is the file and line (".oauth.yaml:7"), the variable
	// ("env OAUTH2_KEYCLOAK_CLIENT_ID") or the flag ("flag -upstream").
	Where string
	// Key is the setting, such as "providers.keycloak.client_id", or the
	// YAML path, such as "providers[2].name", where no name is known yet.
	Key string
	// Value is the offending value. It is left empty for secrets and for
	// missing values.
	Value string
	// Message describes what is wrong.
	Message string
	// Fix is the change that corrects the mistake.
	Fix string
}

// String formats p on one line: "where: key = "value": message; fix: fix".
func (p Problem) String() string {
	var b strings.Builder
	if p.Where != "" {
		b.WriteString(p.Where)
		b.WriteString(": ")
	}
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

// Error lists every mistake found while loading the configuration, and
// the warnings found alongside them, so that a caller can log both.
type Error struct {
	Problems []Problem
	Warnings []Problem
}

// maxListedProblems bounds the problems Error lists, so that a file of
// garbage does not print thousands of lines.
const maxListedProblems = 50

func (e *Error) Error() string {
	count := fmt.Sprintf("%d problems", len(e.Problems))
	if len(e.Problems) == 1 {
		count = "1 problem"
	}
	lines := []string{"invalid configuration, " + count + ":"}
	for i, p := range e.Problems {
		if i == maxListedProblems {
			lines = append(lines, fmt.Sprintf("  ... and %d more; fix the ones above first", len(e.Problems)-i))
			break
		}
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}

// problems collects mistakes and warnings. A problem found twice, such as
// a variable set both directly and as a file and read for two providers,
// is kept once.
type problems struct {
	errors   []Problem
	warnings []Problem
	seen     map[Problem]bool
}

func (ps *problems) add(p Problem) {
	if ps.firstTime(p) {
		ps.errors = append(ps.errors, p)
	}
}

// hasKey reports whether a mistake about key has been recorded already.
func (ps *problems) hasKey(key string) bool {
	for _, p := range ps.errors {
		if p.Key == key {
			return true
		}
	}
	return false
}

func (ps *problems) warn(p Problem) {
	if ps.firstTime(p) {
		ps.warnings = append(ps.warnings, p)
	}
}

func (ps *problems) firstTime(p Problem) bool {
	if ps.seen == nil {
		ps.seen = map[Problem]bool{}
	}
	if ps.seen[p] {
		return false
	}
	ps.seen[p] = true
	return true
}

func (ps *problems) err() error {
	if len(ps.errors) == 0 {
		return nil
	}
	return &Error{Problems: ps.errors, Warnings: ps.warnings}
}
