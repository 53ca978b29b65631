package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// fileValue is a scalar read from the OAuth file with its line.
type fileValue struct {
	Value string
	Line  int
	// Set is true when the key is present, even with an empty value.
	Set bool
}

// fileBool is a boolean read from the OAuth file with its line.
type fileBool struct {
	Value bool
	Line  int
	Set   bool
}

type fileProvider struct {
	// Index is the provider's position in the `providers` list.
	Index        int
	Line         int
	Name         fileValue
	ClientID     fileValue
	ClientSecret fileValue
	// Scope is space-separated; a YAML list is joined with spaces.
	Scope       fileValue
	RedirectURI fileValue
	SyncUser    fileBool
}

// oauthFile is the parsed content of an Argilla OAuth file.
type oauthFile struct {
	Path              string
	Providers         []fileProvider
	AllowedWorkspaces []fileValue
	AllowHTTPRedirect fileBool
	Enabled           fileBool
	ExtraBackends     []fileValue
	// Proxy holds the `authproxy` section's values; lists are joined with
	// commas.
	Proxy map[string]fileValue
	// KeyLines maps each top-level key that is present to its line.
	KeyLines map[string]int
	// UnknownKeys are top-level keys that Argilla ignores.
	UnknownKeys []fileValue
}

// fileKeys are the top-level keys authproxy reads. Argilla ignores any
// other top-level key, and so does authproxy, with a warning.
var fileKeys = []string{"providers", "allowed_workspaces", "allow_http_redirect", "extra_backends", "enabled", "authproxy"}

// providerKeys are the keys Argilla 2.8 accepts in a provider entry; any
// other key makes Argilla fail with a TypeError.
var providerKeys = []string{"name", "client_id", "client_secret", "scope", "redirect_uri", "sync_user"}

// fileParser turns the YAML node tree into an oauthFile, adding a problem
// for each mistake. It never stops at the first mistake, so an operator
// sees them all at once.
type fileParser struct {
	path string
	ps   *problems
	// merged counts the pairs read through merge keys, which anchors can
	// make grow exponentially.
	merged *int
}

func (fp fileParser) at(line int) string {
	return fmt.Sprintf("%s:%d", fp.path, line)
}

// parseOAuthFile parses content. It returns nil when the file cannot be
// read as a YAML mapping at all.
func parseOAuthFile(path string, content []byte, ps *problems) *oauthFile {
	fp := fileParser{path: path, ps: ps, merged: new(int)}
	root := fp.parseDocument(content)
	if root == nil {
		return nil
	}

	f := &oauthFile{Path: path, Proxy: map[string]fileValue{}, KeyLines: map[string]int{}}
	for _, kv := range fp.mappingPairs(root, "") {
		key, value := kv.key.Value, kv.value
		f.KeyLines[key] = kv.key.Line
		switch key {
		case "providers":
			f.Providers = fp.providers(value)
		case "allowed_workspaces":
			f.AllowedWorkspaces = fp.workspaces(value)
		case "allow_http_redirect":
			f.AllowHTTPRedirect = fp.boolean(key, value)
		case "enabled":
			f.Enabled = fp.boolean(key, value)
		case "extra_backends":
			f.ExtraBackends = fp.scalarList(key, value)
		case "authproxy":
			f.Proxy = fp.proxySection(value)
		default:
			if kv.key.Kind != yaml.ScalarNode {
				key = "(a list or mapping used as a key)"
			}
			f.UnknownKeys = append(f.UnknownKeys, fileValue{Value: key, Line: kv.key.Line, Set: true})
		}
	}
	return f
}

// parseDocument returns the top-level mapping of content, or nil after
// adding a problem.
func (fp fileParser) parseDocument(content []byte) *yaml.Node {
	decoder := yaml.NewDecoder(bytes.NewReader(content))
	var doc yaml.Node
	err := decoder.Decode(&doc)
	if errors.Is(err, io.EOF) {
		fp.emptyFile(1)
		return nil
	}
	if err != nil {
		line, message := yamlSyntaxError(err)
		fp.ps.add(Problem{
			Where: fp.at(line), Key: "(file)",
			Message: "invalid YAML: " + message,
			Fix:     "correct the syntax at or after this line: indentation, `key: value` pairs and `- ` list items",
		})
		return nil
	}

	// PyYAML's safe_load, which Argilla uses, rejects a second document.
	var next yaml.Node
	if err := decoder.Decode(&next); err == nil {
		fp.ps.add(Problem{
			Where: fp.at(next.Line), Key: "(file)",
			Message: "the file holds more than one YAML document",
			Fix:     "remove the `---` separator and merge the documents",
		})
	}

	if len(doc.Content) == 0 {
		fp.emptyFile(1)
		return nil
	}
	root := resolveAlias(doc.Content[0])
	if isNull(root) {
		fp.emptyFile(root.Line)
		return nil
	}
	if root.Kind != yaml.MappingNode {
		fp.ps.add(Problem{
			Where: fp.at(root.Line), Key: "(file)",
			Message: "the top level must be a mapping with keys such as `providers`",
			Fix:     "start the file with `providers:` followed by `- name: <provider>` items",
		})
		return nil
	}
	return root
}

func (fp fileParser) emptyFile(line int) {
	fp.ps.add(Problem{
		Where: fp.at(line), Key: "(file)",
		Message: "the OAuth file is empty",
		Fix:     "add a `providers:` list, or point ARGILLA_AUTH_OAUTH_CFG at the right file",
	})
}

// yamlParserProblems are the messages of yaml.v3's parser, as opposed to
// its scanner (gopkg.in/yaml.v3 v3.0.1, parserc.go).
var yamlParserProblems = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected key",
	"did not find expected node content",
	"found duplicate %TAG directive",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

// yamlSyntaxError returns the 1-based line and the message of a yaml.v3
// syntax error. yaml.v3 v3.0.1 prints a parser error's line counted from
// zero and leaves the line out when it is the first one, so both cases
// are corrected here.
func yamlSyntaxError(err error) (line int, message string) {
	message = strings.TrimPrefix(err.Error(), "yaml: ")
	var rest string
	if n, _ := fmt.Sscanf(message, "line %d:", &line); n == 1 {
		_, rest, _ = strings.Cut(message, ": ")
		message = rest
		if slices.Contains(yamlParserProblems, message) {
			line++
		}
	}
	return max(line, 1), message
}

// pair is one key and value of a YAML mapping.
type pair struct {
	key, value *yaml.Node
}

// maxMergeDepth bounds nested merge keys, which an anchor can make cyclic,
// and maxMergedPairs bounds the pairs they expand to.
const (
	maxMergeDepth  = 8
	maxMergedPairs = 10000
)

// mappingPairs returns the pairs of a mapping with YAML merge keys (`<<`)
// expanded as PyYAML expands them: a key written in the mapping wins over a
// merged one. A key written twice is a problem, because PyYAML keeps the
// last one without a word. path names the mapping in messages.
func (fp fileParser) mappingPairs(node *yaml.Node, path string) []pair {
	return fp.collectPairs(node, path, 0)
}

func (fp fileParser) collectPairs(node *yaml.Node, path string, depth int) []pair {
	if depth > 0 {
		*fp.merged += len(node.Content) / 2
	}
	var explicit, merged []pair
	firstLine := map[string]int{}
	for i := 0; i+1 < len(node.Content); i += 2 {
		key, value := resolveAlias(node.Content[i]), resolveAlias(node.Content[i+1])
		if key.Kind == yaml.ScalarNode && key.Value == "<<" && key.Tag == "!!merge" {
			merged = append(merged, fp.mergedPairs(value, path, depth)...)
			continue
		}
		if line, dup := firstLine[key.Value]; dup && key.Kind == yaml.ScalarNode {
			fp.ps.add(Problem{
				Where: fp.at(key.Line), Key: joinKey(path, key.Value),
				Message: fmt.Sprintf("key given twice, first at line %d", line),
				Fix:     "keep one of them; Argilla would silently use the last",
			})
			continue
		}
		firstLine[key.Value] = key.Line
		explicit = append(explicit, pair{key, value})
	}

	for _, m := range merged {
		if _, written := firstLine[m.key.Value]; !written {
			firstLine[m.key.Value] = m.key.Line
			explicit = append(explicit, m)
		}
	}
	return explicit
}

func (fp fileParser) mergedPairs(value *yaml.Node, path string, depth int) []pair {
	if depth >= maxMergeDepth || *fp.merged > maxMergedPairs {
		fp.ps.add(Problem{
			Where: fp.at(value.Line), Key: joinKey(path, "<<"),
			Message: "merge keys nest too deeply, refer to themselves or expand to too many keys",
			Fix:     "write the keys out instead of merging them",
		})
		return nil
	}
	var sources []*yaml.Node
	switch value.Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{value}
	case yaml.SequenceNode:
		for _, item := range value.Content {
			sources = append(sources, resolveAlias(item))
		}
	}
	var pairs []pair
	for _, source := range sources {
		if source.Kind != yaml.MappingNode {
			fp.ps.add(Problem{
				Where: fp.at(source.Line), Key: joinKey(path, "<<"),
				Message: "a merge key must refer to a mapping",
				Fix:     "merge an anchored mapping, such as `<<: *defaults`",
			})
			continue
		}
		pairs = append(pairs, fp.collectPairs(source, path, depth+1)...)
	}
	return pairs
}

func (fp fileParser) providers(node *yaml.Node) []fileProvider {
	if isNull(node) {
		return nil
	}
	if node.Kind != yaml.SequenceNode {
		fp.ps.add(Problem{
			Where: fp.at(node.Line), Key: "providers",
			Message: "must be a list of providers",
			Fix:     "write each provider as `- name: <provider>` under `providers:`",
		})
		return nil
	}

	var list []fileProvider
	for index, item := range node.Content {
		item = resolveAlias(item)
		path := fmt.Sprintf("providers[%d]", index)
		if item.Kind != yaml.MappingNode {
			fp.ps.add(Problem{
				Where: fp.at(item.Line), Key: path, Value: scalarText(item),
				Message: "must be a mapping with at least `name`",
				Fix:     "write `- name: <provider>`, followed by its keys indented below it",
			})
			continue
		}
		if p, ok := fp.provider(item, index, path); ok {
			list = append(list, p)
		}
	}
	return list
}

func (fp fileParser) provider(item *yaml.Node, index int, path string) (fileProvider, bool) {
	p := fileProvider{Index: index, Line: item.Line}
	for _, kv := range fp.mappingPairs(item, path) {
		key, value := kv.key.Value, kv.value
		keyPath := joinKey(path, key)
		switch key {
		case "name":
			p.Name = fp.scalar(keyPath, value)
		case "client_id":
			p.ClientID = fp.scalar(keyPath, value)
		case "client_secret":
			p.ClientSecret = fp.scalar(keyPath, value)
		case "scope":
			p.Scope = fp.scope(keyPath, value)
		case "redirect_uri":
			p.RedirectURI = fp.scalar(keyPath, value)
		case "sync_user":
			p.SyncUser = fp.boolean(keyPath, value)
		default:
			// The value is left out: a misspelt client_secret holds a secret.
			fix := "remove it; a provider accepts " + strings.Join(providerKeys, ", ")
			if near := nearestName(key, providerKeys); near != "" {
				fix = fmt.Sprintf("rename it to %q; a provider accepts %s", near, strings.Join(providerKeys, ", "))
			}
			fp.ps.add(Problem{
				Where: fp.at(kv.key.Line), Key: keyPath,
				Message: "unknown provider key", Fix: fix,
			})
		}
	}
	if p.Name.Value == "" {
		fp.ps.add(Problem{
			Where: fp.at(item.Line), Key: path + ".name",
			Message: "missing provider name",
			Fix:     "add `name:` with one of " + strings.Join(builtinNames(), ", "),
		})
		return p, false
	}
	return p, true
}

func (fp fileParser) workspaces(node *yaml.Node) []fileValue {
	// Argilla reads `allowed_workspaces: null` as an empty list.
	if isNull(node) {
		return nil
	}
	if node.Kind != yaml.SequenceNode {
		fp.ps.add(Problem{
			Where: fp.at(node.Line), Key: "allowed_workspaces",
			Message: "must be a list", Fix: "write each workspace as `- name: <workspace>`",
		})
		return nil
	}

	var list []fileValue
	for index, item := range node.Content {
		item = resolveAlias(item)
		path := fmt.Sprintf("allowed_workspaces[%d]", index)
		if item.Kind != yaml.MappingNode {
			fp.ps.add(Problem{
				Where: fp.at(item.Line), Key: path, Value: scalarText(item),
				Message: "must be a mapping with `name`",
				Fix:     "write `- name: <workspace>`",
			})
			continue
		}
		var name fileValue
		for _, kv := range fp.mappingPairs(item, path) {
			if kv.key.Value != "name" {
				fp.ps.add(Problem{
					Where: fp.at(kv.key.Line), Key: joinKey(path, kv.key.Value),
					Message: "unknown workspace key", Fix: "remove it; a workspace has only `name`",
				})
				continue
			}
			name = fp.scalar(path+".name", kv.value)
		}
		if name.Value == "" {
			fp.ps.add(Problem{
				Where: fp.at(item.Line), Key: path + ".name",
				Message: "missing or empty workspace name", Fix: "write `- name: <workspace>`",
			})
			continue
		}
		list = append(list, name)
	}
	return list
}

func (fp fileParser) proxySection(node *yaml.Node) map[string]fileValue {
	section := map[string]fileValue{}
	if isNull(node) {
		return section
	}
	if node.Kind != yaml.MappingNode {
		fp.ps.add(Problem{
			Where: fp.at(node.Line), Key: "authproxy",
			Message: "must be a mapping", Fix: "write keys such as `upstream:` indented under `authproxy:`",
		})
		return section
	}

	keys := proxyFileKeys()
	for _, kv := range fp.mappingPairs(node, "authproxy") {
		key, value := kv.key.Value, kv.value
		path := "authproxy." + key
		if !slices.Contains(keys, key) {
			fix := "remove it; the section accepts " + strings.Join(keys, ", ")
			if near := nearestName(key, keys); near != "" {
				fix = fmt.Sprintf("rename it to %q; the section accepts %s", near, strings.Join(keys, ", "))
			}
			fp.ps.add(Problem{Where: fp.at(kv.key.Line), Key: path, Message: "unknown key", Fix: fix})
			continue
		}
		if value.Kind == yaml.SequenceNode {
			var values []string
			for _, item := range fp.scalarList(path, value) {
				values = append(values, item.Value)
			}
			section[key] = fileValue{Value: strings.Join(values, ","), Line: kv.key.Line, Set: true}
			continue
		}
		section[key] = fp.scalar(path, value)
	}
	return section
}

func (fp fileParser) scalar(path string, node *yaml.Node) fileValue {
	if isNull(node) {
		return fileValue{Line: node.Line, Set: true}
	}
	if node.Kind != yaml.ScalarNode {
		fp.ps.add(Problem{
			Where: fp.at(node.Line), Key: path,
			Message: "must be a single value, not a list or mapping",
			Fix:     "write `" + lastPart(path) + ": <value>` on one line",
		})
		return fileValue{Line: node.Line}
	}
	return fileValue{Value: node.Value, Line: node.Line, Set: true}
}

// scalarList accepts a list of scalars, or a single scalar as a list of one.
func (fp fileParser) scalarList(path string, node *yaml.Node) []fileValue {
	if isNull(node) {
		return nil
	}
	if node.Kind == yaml.ScalarNode {
		return []fileValue{{Value: node.Value, Line: node.Line, Set: true}}
	}
	if node.Kind != yaml.SequenceNode {
		fp.ps.add(Problem{
			Where: fp.at(node.Line), Key: path,
			Message: "must be a list", Fix: "write one `- <value>` per line",
		})
		return nil
	}
	var list []fileValue
	for i, item := range node.Content {
		list = append(list, fp.scalar(fmt.Sprintf("%s[%d]", path, i), resolveAlias(item)))
	}
	return list
}

// scope accepts a space-separated string or a list, as Argilla does.
func (fp fileParser) scope(path string, node *yaml.Node) fileValue {
	if node.Kind != yaml.SequenceNode {
		return fp.scalar(path, node)
	}
	var scopes []string
	for _, item := range fp.scalarList(path, node) {
		scopes = append(scopes, item.Value)
	}
	return fileValue{Value: strings.Join(scopes, " "), Line: node.Line, Set: true}
}

// PyYAML's YAML 1.1 booleans, which Argilla reads. yaml.v3 reads only
// true and false as booleans, so the words are matched here.
var (
	yamlTrue  = []string{"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"}
	yamlFalse = []string{"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}
)

// boolean reads a YAML 1.1 boolean. An empty value is false, as Argilla's
// truth test reads None. A quoted value is a mistake: Argilla reads any
// non-empty string, "false" included, as true.
func (fp fileParser) boolean(path string, node *yaml.Node) fileBool {
	if isNull(node) {
		return fileBool{Line: node.Line, Set: true}
	}
	value := fp.scalar(path, node)
	if !value.Set {
		return fileBool{Line: node.Line}
	}
	quoted := node.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0
	switch {
	case quoted && node.Tag != "!!bool":
		fp.ps.add(Problem{
			Where: fp.at(node.Line), Key: path, Value: node.Value,
			Message: "a quoted value is a string, which Argilla reads as true unless it is empty",
			Fix:     "write true or false without quotes",
		})
	case slices.Contains(yamlTrue, node.Value):
		return fileBool{Value: true, Line: node.Line, Set: true}
	case slices.Contains(yamlFalse, node.Value):
		return fileBool{Value: false, Line: node.Line, Set: true}
	default:
		fp.ps.add(Problem{
			Where: fp.at(node.Line), Key: path, Value: node.Value,
			Message: "not a boolean", Fix: "write true or false",
		})
	}
	return fileBool{Line: node.Line}
}

// resolveAlias returns the node an alias (*name) refers to.
func resolveAlias(node *yaml.Node) *yaml.Node {
	if node.Kind == yaml.AliasNode && node.Alias != nil {
		return node.Alias
	}
	return node
}

func isNull(node *yaml.Node) bool {
	return node.Kind == yaml.ScalarNode && node.Tag == "!!null"
}

// scalarText returns a scalar's value, or "" for lists and mappings.
func scalarText(node *yaml.Node) string {
	if node.Kind == yaml.ScalarNode {
		return node.Value
	}
	return ""
}

func joinKey(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func lastPart(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	return key
}
