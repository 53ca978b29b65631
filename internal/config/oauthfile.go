package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// fileValue is a scalar read from the OAuth file with its line.
type fileValue struct {
	Value string
	Line  int
	// Set is true when the key is present.
	Set bool
}

type fileProvider struct {
	Line         int
	Name         fileValue
	ClientID     fileValue
	ClientSecret fileValue
	Scope        fileValue // space-separated, lists joined
	RedirectURI  fileValue
	SyncUser     fileValue
}

type fileWorkspace struct {
	Name fileValue
}

// oauthFile is the parsed content of an Argilla OAuth file.
type oauthFile struct {
	Path              string
	Providers         []fileProvider
	AllowedWorkspaces []fileWorkspace
	AllowHTTPRedirect fileValue
	Enabled           fileValue
	ExtraBackends     []fileValue
	// Proxy holds the `authproxy` section's scalar and list values.
	Proxy map[string]fileValue
	// UnknownKeys are top-level keys Argilla ignores.
	UnknownKeys []fileValue
}

var providerKeys = []string{"name", "client_id", "client_secret", "scope", "redirect_uri", "sync_user"}

// proxyFileKeys are the keys of the file's `authproxy` section.
var proxyFileKeys = []string{
	"listen", "metrics_listen", "upstream", "public_url", "cookie_secrets",
	"argilla_api_key", "session_ttl", "trusted_proxies", "log_level",
}

// parseOAuthFile parses content, adding a problem for each mistake. It
// never stops at the first mistake, so an operator sees them all at once.
func parseOAuthFile(path string, content []byte, ps *problems) *oauthFile {
	f := &oauthFile{Path: path, Proxy: map[string]fileValue{}}
	at := func(line int) string { return fmt.Sprintf("%s:%d", path, line) }

	var doc yaml.Node
	err := yaml.Unmarshal(content, &doc)
	if err != nil {
		ps.add(Problem{
			Where: path, Key: "(file)",
			Message: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "),
			Fix:     "correct the syntax at the line given",
		})
		return nil
	}
	if len(doc.Content) == 0 {
		ps.add(Problem{
			Where: path, Key: "(file)", Message: "the file is empty",
			Fix: "add a `providers` list, or point ARGILLA_AUTH_OAUTH_CFG at the right file",
		})
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		ps.add(Problem{
			Where: at(root.Line), Key: "(file)",
			Message: "the top level must be a mapping with keys such as `providers`",
			Fix:     "start the file with `providers:`",
		})
		return nil
	}

	for i := 0; i+1 < len(root.Content); i += 2 {
		key, value := root.Content[i], root.Content[i+1]
		switch key.Value {
		case "providers":
			f.Providers = parseProviders(value, at, ps)
		case "allowed_workspaces":
			f.AllowedWorkspaces = parseWorkspaces(value, at, ps)
		case "allow_http_redirect":
			f.AllowHTTPRedirect = scalar("allow_http_redirect", value, at, ps)
		case "enabled":
			f.Enabled = scalar("enabled", value, at, ps)
		case "extra_backends":
			f.ExtraBackends = scalarList("extra_backends", value, at, ps)
		case "authproxy":
			f.Proxy = parseProxySection(value, at, ps)
		default:
			f.UnknownKeys = append(f.UnknownKeys, fileValue{Value: key.Value, Line: key.Line, Set: true})
		}
	}
	return f
}

func parseProviders(node *yaml.Node, at func(int) string, ps *problems) []fileProvider {
	if isNull(node) {
		return nil
	}
	if node.Kind != yaml.SequenceNode {
		ps.add(Problem{
			Where: at(node.Line), Key: "providers",
			Message: "must be a list of providers",
			Fix:     "write each provider as `- name: <provider>` under `providers:`",
		})
		return nil
	}

	var list []fileProvider
	for index, item := range node.Content {
		keyPrefix := fmt.Sprintf("providers[%d]", index)
		if item.Kind != yaml.MappingNode {
			ps.add(Problem{
				Where: at(item.Line), Key: keyPrefix, Value: item.Value,
				Message: "must be a mapping with at least `name`",
				Fix:     "write `- name: " + item.Value + "`",
			})
			continue
		}

		p := fileProvider{Line: item.Line}
		for i := 0; i+1 < len(item.Content); i += 2 {
			key, value := item.Content[i], item.Content[i+1]
			name := keyPrefix + "." + key.Value
			switch key.Value {
			case "name":
				p.Name = scalar(name, value, at, ps)
			case "client_id":
				p.ClientID = scalar(name, value, at, ps)
			case "client_secret":
				p.ClientSecret = scalar(name, value, at, ps)
			case "scope":
				p.Scope = scopeValue(name, value, at, ps)
			case "redirect_uri":
				p.RedirectURI = scalar(name, value, at, ps)
			case "sync_user":
				p.SyncUser = scalar(name, value, at, ps)
			default:
				fix := "remove it; a provider accepts " + strings.Join(providerKeys, ", ")
				if near := nearestName(key.Value, providerKeys); near != "" {
					fix = fmt.Sprintf("did you mean %q? A provider accepts %s", near, strings.Join(providerKeys, ", "))
				}
				ps.add(Problem{
					Where: at(key.Line), Key: name,
					Message: "unknown provider key", Fix: fix,
				})
			}
		}
		if !p.Name.Set || p.Name.Value == "" {
			ps.add(Problem{
				Where: at(item.Line), Key: keyPrefix + ".name",
				Message: "missing provider name",
				Fix:     "add `name:` with one of " + strings.Join(builtinNames(), ", "),
			})
			continue
		}
		list = append(list, p)
	}
	return list
}

func parseWorkspaces(node *yaml.Node, at func(int) string, ps *problems) []fileWorkspace {
	if isNull(node) {
		return nil
	}
	if node.Kind != yaml.SequenceNode {
		ps.add(Problem{
			Where: at(node.Line), Key: "allowed_workspaces",
			Message: "must be a list", Fix: "write each workspace as `- name: <workspace>`",
		})
		return nil
	}

	var list []fileWorkspace
	for index, item := range node.Content {
		key := fmt.Sprintf("allowed_workspaces[%d]", index)
		if item.Kind != yaml.MappingNode {
			ps.add(Problem{
				Where: at(item.Line), Key: key, Value: item.Value,
				Message: "must be a mapping with `name`",
				Fix:     "write `- name: " + item.Value + "`",
			})
			continue
		}
		var w fileWorkspace
		for i := 0; i+1 < len(item.Content); i += 2 {
			k, v := item.Content[i], item.Content[i+1]
			if k.Value != "name" {
				ps.add(Problem{
					Where: at(k.Line), Key: key + "." + k.Value,
					Message: "unknown workspace key", Fix: "remove it; a workspace has only `name`",
				})
				continue
			}
			w.Name = scalar(key+".name", v, at, ps)
		}
		if w.Name.Value == "" {
			ps.add(Problem{
				Where: at(item.Line), Key: key + ".name",
				Message: "missing or empty workspace name", Fix: "write `- name: <workspace>`",
			})
			continue
		}
		list = append(list, w)
	}
	return list
}

func parseProxySection(node *yaml.Node, at func(int) string, ps *problems) map[string]fileValue {
	section := map[string]fileValue{}
	if isNull(node) {
		return section
	}
	if node.Kind != yaml.MappingNode {
		ps.add(Problem{
			Where: at(node.Line), Key: "authproxy",
			Message: "must be a mapping", Fix: "write keys such as `upstream:` under `authproxy:`",
		})
		return section
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := node.Content[i], node.Content[i+1]
		name := "authproxy." + key.Value
		if !contains(proxyFileKeys, key.Value) {
			fix := "remove it; the section accepts " + strings.Join(proxyFileKeys, ", ")
			if near := nearestName(key.Value, proxyFileKeys); near != "" {
				fix = fmt.Sprintf("did you mean %q?", near)
			}
			ps.add(Problem{Where: at(key.Line), Key: name, Message: "unknown key", Fix: fix})
			continue
		}
		if value.Kind == yaml.SequenceNode {
			items := scalarList(name, value, at, ps)
			values := make([]string, len(items))
			for j, item := range items {
				values[j] = item.Value
			}
			section[key.Value] = fileValue{Value: strings.Join(values, ","), Line: key.Line, Set: true}
			continue
		}
		section[key.Value] = scalar(name, value, at, ps)
	}
	return section
}

func scalar(key string, node *yaml.Node, at func(int) string, ps *problems) fileValue {
	if isNull(node) {
		return fileValue{Line: node.Line, Set: true}
	}
	if node.Kind != yaml.ScalarNode {
		ps.add(Problem{
			Where: at(node.Line), Key: key,
			Message: "must be a single value, not a list or mapping", Fix: "write `" + lastPart(key) + ": <value>`",
		})
		return fileValue{Line: node.Line}
	}
	return fileValue{Value: node.Value, Line: node.Line, Set: true}
}

func scalarList(key string, node *yaml.Node, at func(int) string, ps *problems) []fileValue {
	if isNull(node) {
		return nil
	}
	if node.Kind == yaml.ScalarNode {
		return []fileValue{{Value: node.Value, Line: node.Line, Set: true}}
	}
	if node.Kind != yaml.SequenceNode {
		ps.add(Problem{Where: at(node.Line), Key: key, Message: "must be a list", Fix: "write one `- <value>` per line"})
		return nil
	}
	var list []fileValue
	for i, item := range node.Content {
		list = append(list, scalar(fmt.Sprintf("%s[%d]", key, i), item, at, ps))
	}
	return list
}

// scopeValue accepts a space-separated string or a list, as Argilla does.
func scopeValue(key string, node *yaml.Node, at func(int) string, ps *problems) fileValue {
	if node.Kind != yaml.SequenceNode {
		return scalar(key, node, at, ps)
	}
	var scopes []string
	for _, item := range scalarList(key, node, at, ps) {
		scopes = append(scopes, item.Value)
	}
	return fileValue{Value: strings.Join(scopes, " "), Line: node.Line, Set: true}
}

// parseBool accepts the YAML 1.1 booleans that Python's yaml.safe_load
// reads (true/false, yes/no, on/off in any case).
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "yes", "on":
		return true, nil
	case "false", "no", "off", "":
		return false, nil
	}
	if b, err := strconv.ParseBool(v); err == nil {
		return b, nil
	}
	return false, errors.New("not a boolean")
}

func isNull(node *yaml.Node) bool {
	return node.Kind == yaml.ScalarNode && node.Tag == "!!null"
}

func lastPart(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}

func contains(list []string, s string) bool {
	for _, item := range list {
		if item == s {
			return true
		}
	}
	return false
}

func builtinNames() []string {
	var names []string
	for _, b := range backends {
		if b.Builtin {
			names = append(names, b.Name)
		}
	}
	sort.Strings(names)
	return names
}
