package config

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/check")

// TestDescribeGolden loads each testdata/check/<case>.yaml with the
// variables of <case>.env, and compares what check-config prints, the
// configuration or the problems followed by the warnings, with
// <case>.golden. Run `go test ./internal/config -run TestDescribeGolden
// -update` to rewrite the golden files after an intended change.
func TestDescribeGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/check/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases under testdata/check")
	}
	for _, path := range cases {
		name := strings.TrimSuffix(filepath.Base(path), ".yaml")
		t.Run(name, func(t *testing.T) {
			vars := readEnvFile(t, strings.TrimSuffix(path, ".yaml")+".env")
			vars["ARGILLA_AUTH_OAUTH_CFG"] = path
			got := describeOutput(Load(Options{Env: lookupIn(vars)}))

			golden := strings.TrimSuffix(path, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v; run with -update to create it", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s; run with -update if the change is intended\ngot:\n%s\nwant:\n%s",
					golden, got, want)
			}
		})
	}
}

// describeOutput formats a Load result as check-config prints it, with
// the warnings after a "# warnings" line.
func describeOutput(c *Config, err error) []byte {
	var b bytes.Buffer
	var warnings []Problem
	var invalid *Error
	switch {
	case errors.As(err, &invalid):
		b.WriteString(invalid.Error() + "\n")
		warnings = invalid.Warnings
	case err != nil:
		b.WriteString("error: " + err.Error() + "\n")
	default:
		if err := c.Describe(&b); err != nil {
			b.WriteString("describe: " + err.Error() + "\n")
		}
		warnings = c.Warnings
	}
	if len(warnings) > 0 {
		b.WriteString("# warnings\n")
		for _, w := range warnings {
			b.WriteString(w.String() + "\n")
		}
	}
	return b.Bytes()
}

// readEnvFile reads NAME=value lines, skipping blank lines and # comments.
func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return vars
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		line := strings.TrimSpace(scanner.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not NAME=value", path, line)
		}
		vars[name] = value
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return vars
}

func lookupIn(vars map[string]string) Environment {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestDescribeRedactsSecrets(t *testing.T) {
	c := mustLoad(t, fixture{
		file: "providers:\n  - {name: github, client_id: visible-id, client_secret: hidden-secret}\n",
	})
	var b bytes.Buffer
	if err := c.Describe(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, secret := range []string{"hidden-secret", testAPIKey, testCookieSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("Describe printed the secret %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "visible-id") {
		t.Errorf("Describe left out the client id, which is not a secret:\n%s", out)
	}
}

func TestDescribeQuotesUnprintableValues(t *testing.T) {
	c := mustLoad(t, fixture{
		file: "providers:\n  - {name: github, client_id: \"id\\nwith break\", client_secret: s}\n",
	})
	var b bytes.Buffer
	if err := c.Describe(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"id\nwith break"`) {
		t.Errorf("client id with a line break not quoted:\n%s", b.String())
	}
}
