package config

import (
	"fmt"
	"os"
	"strings"
)

// Environment looks up one environment variable, as os.LookupEnv does.
type Environment func(name string) (string, bool)

// environment reads variables and their <NAME>_FILE twins, which Docker
// and Kubernetes secrets use.
type environment struct {
	lookup   Environment
	readFile func(string) ([]byte, error)
	problems *problems
}

// get returns the value of name or of the file named by name_FILE, and a
// source for Describe. Setting both is a mistake, because one would be
// ignored without a word.
func (e environment) get(name string) (value, source string, ok bool) {
	direct, hasDirect := e.lookup(name)
	path, hasFile := e.lookup(name + "_FILE")
	if hasDirect && direct != "" && hasFile && path != "" {
		e.problems.add(Problem{
			Where: "env " + name, Key: name,
			Message: fmt.Sprintf("both %s and %s_FILE are set", name, name),
			Fix:     "unset one of them",
		})
		return "", "", false
	}
	if hasDirect && direct != "" {
		return direct, "env " + name, true
	}
	if !hasFile || path == "" {
		return "", "", false
	}

	content, err := e.readFile(path)
	if err != nil {
		e.problems.add(Problem{
			Where: "env " + name + "_FILE", Key: name + "_FILE", Value: path,
			Message: fmt.Sprintf("cannot read the file: %v", err),
			Fix:     "point it at a readable file or unset it",
		})
		return "", "", false
	}
	value = strings.TrimRight(string(content), "\r\n")
	if value == "" {
		return "", "", false
	}
	return value, "file " + path + " (env " + name + "_FILE)", true
}

// first returns the first non-empty variable among names.
func (e environment) first(names ...string) (value, source string, ok bool) {
	for _, name := range names {
		if value, source, ok = e.get(name); ok {
			return value, source, true
		}
	}
	return "", "", false
}

// socialSettingNames returns the variables social-core reads for setting
// name of backend, in its order: SOCIAL_AUTH_<BACKEND>_<NAME>,
// SOCIAL_AUTH_<NAME>, <NAME>. Names are upper-cased with "-" as "_".
func socialSettingNames(backend, name string) []string {
	backendPart := envName(backend)
	name = envName(name)
	return []string{
		"SOCIAL_AUTH_" + backendPart + "_" + name,
		"SOCIAL_AUTH_" + name,
		name,
	}
}

func envName(s string) string {
	return strings.ToUpper(strings.ReplaceAll(s, "-", "_"))
}

func osEnvironment() environment {
	return environment{lookup: os.LookupEnv, readFile: os.ReadFile}
}
