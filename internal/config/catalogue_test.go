package config

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// catalogueScript imports each class path given as an argument and prints,
// for each, the facts the catalogue records, plus the backends Argilla
// loads without extra_backends.
const catalogueScript = `
import importlib, json, sys
from social_core.backends.oauth import BaseOAuth2
from social_core.backends.open_id_connect import OpenIdConnectAuth
from argilla_server.security.authentication.oauth2._backends import load_supported_backends

facts = {}
for path in sys.argv[1:]:
    module, name = path.rsplit(".", 1)
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        facts[path] = {"error": repr(e)}
        continue
    oidc = issubclass(cls, OpenIdConnectAuth) and cls.oidc_config is OpenIdConnectAuth.oidc_config
    facts[path] = {
        "name": cls.name,
        "oauth2": issubclass(cls, BaseOAuth2),
        "reads_oidc_endpoint": oidc,
        "default_oidc_endpoint": (cls.OIDC_ENDPOINT or "") if oidc else "",
    }
builtin = sorted(load_supported_backends().keys())
print(json.dumps({"facts": facts, "builtin": builtin}))
`

// argillaPython returns the Python interpreter of an environment with
// argilla-server 2.8 and social-auth-core installed: AUTHPROXY_ARGILLA_PYTHON,
// else ~/.cache/authproxy/venv-argilla/bin/python. It skips the test when
// neither exists, or in -short mode because importing Argilla takes seconds.
func argillaPython(t *testing.T) string {
	if testing.Short() {
		t.Skip("importing argilla-server takes seconds")
	}
	if python := os.Getenv("AUTHPROXY_ARGILLA_PYTHON"); python != "" {
		return python
	}
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip("no home directory to look for Argilla's Python environment in")
	}
	python := filepath.Join(home, ".cache/authproxy/venv-argilla/bin/python")
	if _, err := os.Stat(python); err != nil {
		t.Skipf("Argilla's Python environment not found at %s; set AUTHPROXY_ARGILLA_PYTHON", python)
	}
	return python
}

// TestCatalogueMatchesSocialCore imports every class path of the catalogue
// with the installed argilla-server and social-auth-core, and compares
// name, base class and OpenID Connect discovery with the catalogue.
func TestCatalogueMatchesSocialCore(t *testing.T) {
	python := argillaPython(t)

	var classes []string
	for _, b := range backends {
		classes = append(classes, b.Class)
	}
	slices.Sort(classes)
	out, err := exec.Command(python, append([]string{"-c", catalogueScript}, classes...)...).Output()
	if exitErr := (*exec.ExitError)(nil); errors.As(err, &exitErr) {
		t.Fatalf("run %s: %v\n%s", python, err, exitErr.Stderr)
	}
	if err != nil {
		t.Fatalf("run %s: %v", python, err)
	}
	var result struct {
		Facts map[string]struct {
			Error               string `json:"error"`
			Name                string `json:"name"`
			OAuth2              bool   `json:"oauth2"`
			ReadsOIDCEndpoint   bool   `json:"reads_oidc_endpoint"`
			DefaultOIDCEndpoint string `json:"default_oidc_endpoint"`
		} `json:"facts"`
		Builtin []string `json:"builtin"`
	}
	if err := json.Unmarshal(out, &result); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}

	for key, b := range backends {
		facts, ok := result.Facts[b.Class]
		if !ok {
			t.Errorf("%s: class %s not reported", key, b.Class)
			continue
		}
		if facts.Error != "" {
			t.Errorf("%s: class %s cannot be imported: %s", key, b.Class, facts.Error)
			continue
		}
		if facts.Name != key || b.Name != key {
			t.Errorf("%s: social-core names %s %q, catalogue %q", key, b.Class, facts.Name, b.Name)
		}
		if !facts.OAuth2 {
			t.Errorf("%s: %s is not a BaseOAuth2 subclass, which Argilla requires", key, b.Class)
		}
		if facts.ReadsOIDCEndpoint != b.ReadsOIDCEndpoint {
			t.Errorf("%s: reads OIDC_ENDPOINT = %v in social-core, %v in the catalogue",
				key, facts.ReadsOIDCEndpoint, b.ReadsOIDCEndpoint)
		}
		if facts.DefaultOIDCEndpoint != b.DefaultOIDCEndpoint {
			t.Errorf("%s: default OIDC endpoint %q in social-core, %q in the catalogue",
				key, facts.DefaultOIDCEndpoint, b.DefaultOIDCEndpoint)
		}
	}
	if !slices.Equal(result.Builtin, builtinNames()) {
		t.Errorf("Argilla loads %v without extra_backends, the catalogue marks %v", result.Builtin, builtinNames())
	}
}
