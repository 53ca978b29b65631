package config

import (
	"flag"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
)

const docPath = "../../docs/configuration.md"

func readDoc(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(doc)
}

// code returns s as the doc writes names: in backticks.
func code(s string) string {
	return "`" + s + "`"
}

// TestDocListsEveryVariable loads a file with each provider and checks
// that every variable Load looks up appears in the doc, as itself or with
// the provider's name written as <NAME>.
func TestDocListsEveryVariable(t *testing.T) {
	doc := readDoc(t)
	names := map[string]bool{}
	for _, name := range sortedBackendNames() {
		b := backends[name]
		file := "providers:\n  - name: " + name + "\n"
		if !b.Builtin {
			file += "extra_backends: [" + b.Class + "]\n"
		}
		options := fixture{file: file, args: []string{"-oauth-config", ".oauth.yaml"}}.options()
		lookup := options.Env
		options.Env = func(variable string) (string, bool) {
			names[genericVariable(variable, name)] = true
			return lookup(variable)
		}
		if _, err := Load(options); err == nil {
			t.Errorf("%s without credentials loaded without error", name)
		}
	}
	// The two ways the OAuth file is chosen without the flag.
	options := fixture{file: noFile}.options()
	lookup := options.Env
	options.Env = func(variable string) (string, bool) {
		names[variable] = true
		return lookup(variable)
	}
	Load(options)

	if len(names) < 40 {
		t.Fatalf("recorded only %d variables, so the recording is broken", len(names))
	}
	for _, variable := range sortedKeys(names) {
		if !strings.Contains(doc, code(variable)) {
			t.Errorf("%s does not mention %s", docPath, code(variable))
		}
	}
}

// genericVariable writes the provider part of variable as <NAME>, in the
// three spellings the loader uses. Only the prefix is replaced, because
// the provider "oidc" also appears in the setting OIDC_ENDPOINT.
func genericVariable(variable, provider string) string {
	// SOCIAL_AUTH_OIDC_ENDPOINT is the global setting, not the backend
	// "oidc" with a setting named ENDPOINT.
	if variable == "SOCIAL_AUTH_OIDC_ENDPOINT" {
		return variable
	}
	for _, prefix := range []string{
		"OAUTH2_" + strings.ToUpper(provider) + "_",
		"ARGILLA_OAUTH2_" + envName(provider) + "_",
		"SOCIAL_AUTH_" + envName(provider) + "_",
	} {
		if rest, ok := strings.CutPrefix(variable, prefix); ok {
			generic := strings.Replace(prefix, strings.ToUpper(provider), "<NAME>", 1)
			generic = strings.Replace(generic, envName(provider), "<NAME>", 1)
			return generic + rest
		}
	}
	return variable
}

// TestDocListsEverySetting checks that each of authproxy's own settings
// has a row in the doc's table with its flag, variable and default.
func TestDocListsEverySetting(t *testing.T) {
	doc := readDoc(t)
	for _, s := range proxySettings {
		row := docRow(doc, code(s.Key))
		if row == "" {
			t.Errorf("%s has no table row starting with %s", docPath, code(s.Key))
			continue
		}
		if s.Flag != "" && !strings.Contains(row, code("-"+s.Flag)) {
			t.Errorf("row %s lacks the flag %s", code(s.Key), code("-"+s.Flag))
		}
		if !strings.Contains(row, code(s.Env)) {
			t.Errorf("row %s lacks the variable %s", code(s.Key), code(s.Env))
		}
		if s.Secret && !strings.Contains(row, code(s.Env+"_FILE")) {
			t.Errorf("row %s lacks the variable %s", code(s.Key), code(s.Env+"_FILE"))
		}
		if s.Default != "" && !strings.Contains(row, code(s.Default)) {
			t.Errorf("row %s lacks the default %s", code(s.Key), code(s.Default))
		}
	}
}

func TestDocListsEveryFlag(t *testing.T) {
	doc := readDoc(t)
	newFlagSet(io.Discard).VisitAll(func(f *flag.Flag) {
		if !strings.Contains(doc, code("-"+f.Name)) {
			t.Errorf("%s does not mention the flag %s", docPath, code("-"+f.Name))
		}
	})
}

func TestDocListsEveryFileKey(t *testing.T) {
	doc := readDoc(t)
	for _, key := range append(fileKeys, providerKeys...) {
		if docRow(doc, code(key)) == "" {
			t.Errorf("%s has no table row for the key %s", docPath, code(key))
		}
	}
	for _, b := range backends {
		if !strings.Contains(doc, code(b.Name)) {
			t.Errorf("%s does not mention the provider %s", docPath, code(b.Name))
		}
		if !b.Builtin && docRow(doc, code(b.Name)) == "" {
			t.Errorf("%s has no row for the provider %s", docPath, code(b.Name))
		}
		if !b.Builtin && !strings.Contains(docRow(doc, code(b.Name)), code(b.Class)) {
			t.Errorf("row %s lacks the class %s", code(b.Name), code(b.Class))
		}
	}
}

// docRow returns the first table row of doc whose first cell is cell.
func docRow(doc, cell string) string {
	for line := range strings.Lines(doc) {
		if strings.HasPrefix(line, "| "+cell+" |") {
			return line
		}
	}
	return ""
}

func sortedBackendNames() []string {
	var names []string
	for name := range backends {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func sortedKeys(m map[string]bool) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
