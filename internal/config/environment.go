package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// Environment looks up one environment variable, as os.LookupEnv does.
type Environment func(name string) (string, bool)

// environment reads variables and, for secrets, their <NAME>_FILE twins,
// which Docker and Kubernetes secrets use.
type environment struct {
	lookup   Environment
	readFile func(string) ([]byte, error)
	problems *problems
}

// variable is the result of looking up one variable.
type variable struct {
	// Name is the variable that was looked up, without _FILE.
	Name  string
	Value string
	// Source names the variable that supplied Value for Describe:
	// "env NAME", or "env NAME_FILE=/path" when the value came from a file.
	Source string
	// Set is true when the variable exists, even with an empty value, or
	// when NAME_FILE names a file.
	Set bool
}

// get looks up name. With secret set, NAME_FILE is read as well; setting
// both is a mistake, because one of them would be ignored without a word.
func (e environment) get(name string, secret bool) variable {
	direct, hasDirect := e.lookup(name)
	v := variable{Name: name, Value: direct, Source: "env " + name, Set: hasDirect}
	if !secret {
		return v
	}

	path, hasFile := e.lookup(name + "_FILE")
	if !hasFile || path == "" {
		return v
	}
	if direct != "" {
		e.problems.add(Problem{
			Where: "env " + name, Key: name,
			Message: fmt.Sprintf("both %s and %s_FILE are set", name, name),
			Fix:     "unset one of them",
		})
		return v
	}

	content, err := e.readFile(path)
	if err != nil {
		// The path is the problem's value, so only the cause is repeated.
		if pathErr := (*fs.PathError)(nil); errors.As(err, &pathErr) {
			err = pathErr.Err
		}
		e.problems.add(Problem{
			Where: "env " + name + "_FILE", Key: name + "_FILE", Value: path,
			Message: fmt.Sprintf("cannot read the secret file: %v", err),
			Fix:     "point it at a readable file, or unset it",
		})
		return variable{Name: name}
	}
	if len(content) > maxSecretFileBytes {
		e.problems.add(Problem{
			Where: "env " + name + "_FILE", Key: name + "_FILE", Value: path,
			Message: fmt.Sprintf("the secret file is larger than %d KiB", maxSecretFileBytes>>10),
			Fix:     "point it at the file that holds only the secret",
		})
		return variable{Name: name}
	}
	// Files written by `echo` or editors end in a line break, which is never
	// part of a secret.
	value := strings.TrimRight(string(content), "\r\n")
	return variable{Name: name, Value: value, Source: "env " + name + "_FILE=" + path, Set: true}
}

// firstNonEmpty returns the first variable of names with a non-empty value,
// as Argilla's `os.getenv(name) or ...` chain does: an empty variable counts
// as unset.
func (e environment) firstNonEmpty(names []string, secret bool) variable {
	for _, name := range names {
		if v := e.get(name, secret); v.Value != "" {
			return v
		}
	}
	return variable{}
}

// firstSet returns the first variable of names that exists, even with an
// empty value, as social-core's BaseStrategy.setting does: it returns the
// first name its strategy finds, so an empty SOCIAL_AUTH_GITHUB_KEY hides
// SOCIAL_AUTH_KEY.
func (e environment) firstSet(names []string, secret bool) variable {
	for _, name := range names {
		if v := e.get(name, secret); v.Set {
			return v
		}
	}
	return variable{}
}

// socialSettingNames returns the variables that social-core 4.5 reads for
// setting name of backend, in its order: SOCIAL_AUTH_<BACKEND>_<NAME>,
// SOCIAL_AUTH_<NAME>, then name exactly as the backend spells it. The first
// two are upper-cased with "-" as "_" (social_core.utils.setting_name); the
// last is not, so Argilla's client id falls back to a variable named `key`.
func socialSettingNames(backend, name string) []string {
	return []string{
		"SOCIAL_AUTH_" + envName(backend) + "_" + envName(name),
		"SOCIAL_AUTH_" + envName(name),
		name,
	}
}

// envName upper-cases s and replaces "-" with "_", as social-core's
// to_setting_name does.
func envName(s string) string {
	return strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
}

func osEnvironment() environment {
	return environment{lookup: os.LookupEnv, readFile: readFileLimited}
}

// maxFileBytes bounds any file the configuration reads, so that a path such
// as /dev/zero cannot exhaust memory. Argilla's OAuth files are a few KiB.
const maxFileBytes = 1 << 20

// maxSecretFileBytes bounds a *_FILE secret. An Apple .p8 key, the largest
// secret here, is about 250 bytes.
const maxSecretFileBytes = 64 << 10

// readFileLimited reads at most maxFileBytes of path and fails for a larger
// file.
func readFileLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(content) > maxFileBytes {
		return nil, fmt.Errorf("larger than %d MiB", maxFileBytes>>20)
	}
	return content, nil
}
