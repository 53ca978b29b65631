package config

import (
	"bytes"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad feeds arbitrary OAuth files to Load, and one arbitrary value to
// the variables that hold URLs and scopes. Load must never panic, must
// return either a configuration or an *Error with problems, and must not
// print the proxy's secrets. Run it with
//
//	go test ./internal/config -run '^$' -fuzz FuzzLoad -fuzztime 20s
//
// The seeds are the golden cases under testdata/check, the examples below
// and the corpus under testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	cases, err := filepath.Glob("testdata/check/*.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range cases {
		content, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(content, "")
	}
	for _, seed := range []struct{ file, variable string }{
		{docExample, "http://keycloak:8080/realms/argilla"},
		{spaceTemplate, "/argilla/"},
		{"providers: &p [*p]\n", ""},
		{"a: &a {<<: *a}\nproviders:\n  - <<: [*a, *a]\n    name: github\n", ""},
		{"providers:\n  - {name: github, client_id: a, client_secret: b, redirect_uri: 'x%zz'}\n", "%"},
		{"providers:\n  - {name: keycloak, client_id: a, client_secret: b, scope: [1, [2]]}\n", "::"},
		{"? [complex, key]\n: value\n", ""},
		{"providers: [\n", ""},
	} {
		f.Add([]byte(seed.file), seed.variable)
	}

	f.Fuzz(func(t *testing.T, content []byte, variable string) {
		vars := baseEnv()
		vars["ARGILLA_BASE_URL"] = variable
		vars["OAUTH2_GITHUB_SCOPE"] = variable
		vars["SOCIAL_AUTH_OIDC_ENDPOINT"] = variable
		options := fixture{file: string(content), env: vars}.options()
		c, err := Load(options)

		// A secret that the input itself contains may be quoted back as the
		// value of a mistake, so the check needs inputs without them.
		secrets := []string{testCookieSecret, testAPIKey}
		checkSecrets := true
		for _, s := range secrets {
			if bytes.Contains(content, []byte(s)) || strings.Contains(variable, s) {
				checkSecrets = false
			}
		}

		if err != nil {
			if c != nil {
				t.Fatalf("Load returned a configuration and the error %v", err)
			}
			var invalid *Error
			if !errors.As(err, &invalid) {
				t.Fatalf("Load error %v is not an *Error", err)
			}
			if len(invalid.Problems) == 0 {
				t.Fatal("Load returned an *Error without problems")
			}
			message := invalid.Error()
			for _, s := range secrets {
				if checkSecrets && strings.Contains(message, s) {
					t.Fatalf("error contains a secret:\n%s", message)
				}
			}
			return
		}

		var out bytes.Buffer
		if err := c.Describe(&out); err != nil {
			t.Fatalf("Describe: %v", err)
		}
		for _, s := range secrets {
			if checkSecrets && strings.Contains(out.String(), s) {
				t.Fatalf("Describe printed a secret:\n%s", out.String())
			}
		}
		for _, p := range c.Providers {
			uri := c.RedirectURI(p, "argilla.example.com:6901")
			u, err := url.Parse(uri)
			if err != nil {
				t.Fatalf("redirect URI %q of %s does not parse: %v", uri, p.Name, err)
			}
			if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
				t.Fatalf("redirect URI %q of %s is not an absolute http or https URL", uri, p.Name)
			}
		}
	})
}

// BenchmarkLoadManyProblems loads a file with 20,000 mistakes, the shape
// of input that a quadratic duplicate check would make take seconds.
func BenchmarkLoadManyProblems(b *testing.B) {
	file := "providers:\n" + strings.Repeat("  - {name: github}\n", 20000) +
		"allowed_workspaces:\n" + strings.Repeat("  - {name: a}\n", 20000)
	options := fixture{file: file}.options()
	for b.Loop() {
		if _, err := Load(options); err == nil {
			b.Fatal("Load accepted 20,000 duplicate providers")
		}
	}
}
