package config

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"strings"
	"testing"
)

const (
	// testCookieSecret is base64 of the 32 bytes "0123456789abcdef" twice.
	testCookieSecret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	testAPIKey       = "owner-api-key-do-not-print"
	// unset removes a variable that baseEnv sets.
	unset = "\x00unset"
	// noFile is an OAuth file content that makes the file missing.
	noFile = "\x00missing"
)

// fixture is the input of one Load call: the content of .oauth.yaml in the
// working directory, the environment and any other readable files.
type fixture struct {
	file  string
	env   map[string]string
	files map[string]string
	args  []string
}

// baseEnv holds the proxy secrets every valid configuration needs.
func baseEnv() map[string]string {
	return map[string]string{
		"AUTHPROXY_COOKIE_SECRETS":  testCookieSecret,
		"AUTHPROXY_ARGILLA_API_KEY": testAPIKey,
	}
}

func (f fixture) options() Options {
	vars := baseEnv()
	maps.Copy(vars, f.env)
	files := maps.Clone(f.files)
	if files == nil {
		files = map[string]string{}
	}
	if f.file != noFile {
		files[".oauth.yaml"] = f.file
	}
	return Options{
		Args: f.args,
		Env: func(name string) (string, bool) {
			v, ok := vars[name]
			if v == unset {
				return "", false
			}
			return v, ok
		},
		ReadFile: func(path string) ([]byte, error) {
			if content, ok := files[path]; ok {
				return []byte(content), nil
			}
			return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
		},
		Stat: func(path string) (os.FileInfo, error) {
			if _, ok := files[path]; ok {
				return nil, nil
			}
			return nil, &fs.PathError{Op: "stat", Path: path, Err: fs.ErrNotExist}
		},
	}
}

func (f fixture) load() (*Config, error) {
	return Load(f.options())
}

// mustLoad loads f and fails the test on any problem.
func mustLoad(t *testing.T, f fixture) *Config {
	t.Helper()
	c, err := f.load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// loadProblems loads f, which must be invalid, and returns its problems
// and warnings.
func loadProblems(t *testing.T, f fixture) (problems, warnings []Problem) {
	t.Helper()
	_, err := f.load()
	var invalid *Error
	if !errors.As(err, &invalid) {
		t.Fatalf("Load error = %v, want *Error", err)
	}
	return invalid.Problems, invalid.Warnings
}

// checkProblems checks that got has one problem for each entry of want,
// in order, whose String contains that entry.
func checkProblems(t *testing.T, kind string, got []Problem, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("got %d %s, want %d:\n%s", len(got), kind, len(want), formatProblems(got))
		return
	}
	for i := range want {
		if !strings.Contains(got[i].String(), want[i]) {
			t.Errorf("%s %d = %q, want it to contain %q", kind, i, got[i].String(), want[i])
		}
	}
}

func formatProblems(list []Problem) string {
	var lines []string
	for _, p := range list {
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}

// env builds a variable map from NAME=value pairs.
func env(pairs ...string) map[string]string {
	m := map[string]string{}
	for _, pair := range pairs {
		name, value, _ := strings.Cut(pair, "=")
		m[name] = value
	}
	return m
}
