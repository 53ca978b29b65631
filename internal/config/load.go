package config

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Options are the inputs of Load; zero fields use the process's own.
type Options struct {
	// Args are the command-line flags, without the program name and
	// command.
	Args []string
	// Env replaces os.LookupEnv.
	Env Environment
	// ReadFile replaces os.ReadFile, for the OAuth file and *_FILE secrets.
	ReadFile func(string) ([]byte, error)
	// Stat replaces os.Stat when searching the default file names.
	Stat func(string) (os.FileInfo, error)
	// FlagOutput receives flag usage text; io.Discard by default.
	FlagOutput io.Writer
}

// defaultOAuthFiles are searched in order when neither -oauth-config nor
// ARGILLA_AUTH_OAUTH_CFG is set: Argilla 2.8's default, then the name its
// documentation uses.
var defaultOAuthFiles = []string{".oauth.yaml", ".oauth.yml"}

// Load reads and validates the whole configuration. On mistakes it returns
// an *Error that lists every one of them together with the warnings. A
// flag that cannot be parsed returns the flag package's error instead,
// which is flag.ErrHelp for -h.
func Load(opts Options) (*Config, error) {
	env := osEnvironment()
	if opts.Env != nil {
		env.lookup = opts.Env
	}
	if opts.ReadFile != nil {
		env.readFile = opts.ReadFile
	}
	stat := os.Stat
	if opts.Stat != nil {
		stat = opts.Stat
	}
	ps := &problems{}
	env.problems = ps

	flags, err := parseFlags(opts.Args, opts.FlagOutput)
	if err != nil {
		return nil, err
	}

	c := &Config{Enabled: true, sources: map[string]string{}}
	l := &loader{c: c, env: env, ps: ps, flags: flags}
	l.readOAuthFile(stat)
	l.applyFile()
	l.applyProxySettings()

	sortByLine(ps.errors, l.file.Path)
	sortByLine(ps.warnings, l.file.Path)
	if err := ps.err(); err != nil {
		return nil, err
	}
	c.Warnings = ps.warnings
	return c, nil
}

// sortByLine puts the problems found in the OAuth file first, in line
// order, and keeps the others, found in variables and flags, in the order
// they were found.
func sortByLine(list []Problem, path string) {
	line := func(p Problem) int {
		rest, inFile := strings.CutPrefix(p.Where, path+":")
		n, err := strconv.Atoi(rest)
		if !inFile || err != nil {
			return math.MaxInt
		}
		return n
	}
	slices.SortStableFunc(list, func(a, b Problem) int { return cmp.Compare(line(a), line(b)) })
}

type loader struct {
	c     *Config
	env   environment
	ps    *problems
	flags map[string]string
	// file is the parsed OAuth file; it is empty, never nil, when the
	// file could not be read or parsed, and fileParsed is false then.
	file       *oauthFile
	fileParsed bool
}

func (l *loader) at(line int) string {
	return fmt.Sprintf("%s:%d", l.file.Path, line)
}

// readOAuthFile finds, reads and parses the OAuth file.
func (l *loader) readOAuthFile(stat func(string) (os.FileInfo, error)) {
	path, source, searched := l.oauthFilePath(stat)
	l.c.OAuthFile = path
	l.c.sources["oauth_file"] = source
	l.file = &oauthFile{Path: path, Proxy: map[string]fileValue{}, KeyLines: map[string]int{}}

	content, err := l.env.readFile(path)
	if err != nil {
		fix := "create the file, or set ARGILLA_AUTH_OAUTH_CFG or -oauth-config to its path"
		if searched {
			fix = "create " + strings.Join(defaultOAuthFiles, " or ") +
				" in the working directory, or set ARGILLA_AUTH_OAUTH_CFG or -oauth-config to the file's path"
		}
		message := "cannot read the OAuth file"
		if errors.Is(err, fs.ErrNotExist) {
			message = "the OAuth file does not exist"
		} else if pathErr := (*fs.PathError)(nil); errors.As(err, &pathErr) {
			message += ": " + pathErr.Err.Error()
		}
		where := source
		if where == "default" {
			where = ""
		}
		l.ps.add(Problem{Where: where, Key: "oauth_file", Value: path, Message: message, Fix: fix})
		return
	}
	if f := parseOAuthFile(path, content, l.ps); f != nil {
		l.file, l.fileParsed = f, true
	}
}

// oauthFilePath picks the OAuth file: the -oauth-config flag, then
// ARGILLA_AUTH_OAUTH_CFG, then the first of defaultOAuthFiles that exists.
// searched is true when the default names were tried.
func (l *loader) oauthFilePath(stat func(string) (os.FileInfo, error)) (path, source string, searched bool) {
	if v, ok := l.flags[oauthFileFlag]; ok {
		return v, "flag -" + oauthFileFlag, false
	}
	if v := l.env.get("ARGILLA_AUTH_OAUTH_CFG", false); v.Value != "" {
		return v.Value, v.Source, false
	}
	for _, name := range defaultOAuthFiles {
		if _, err := stat(name); err == nil {
			return name, "default", true
		}
	}
	return defaultOAuthFiles[0], "default", true
}

// applyFile applies the OAuth file's top-level keys and providers.
func (l *loader) applyFile() {
	f, c := l.file, l.c

	for _, k := range f.UnknownKeys {
		l.ps.warn(Problem{
			Where: l.at(k.Line), Key: k.Value,
			Message: "unknown top-level key, ignored as Argilla ignores it",
			Fix:     "remove it, or use one of " + strings.Join(fileKeys, ", "),
		})
	}

	c.Enabled = !f.Enabled.Set || f.Enabled.Value
	l.sourceOfKey("enabled")
	c.AllowHTTPRedirect = f.AllowHTTPRedirect.Value
	l.sourceOfKey("allow_http_redirect")

	l.sourceOfKey("allowed_workspaces")
	listed := map[string]bool{}
	for _, w := range f.AllowedWorkspaces {
		if listed[w.Value] {
			l.ps.warn(Problem{Where: l.at(w.Line), Key: "allowed_workspaces", Value: w.Value,
				Message: "workspace listed twice", Fix: "remove the second entry"})
			continue
		}
		listed[w.Value] = true
		c.AllowedWorkspaces = append(c.AllowedWorkspaces, w.Value)
	}

	l.sourceOfKey("extra_backends")
	extra := l.applyExtraBackends()
	l.applyProviders(extra)
}

// sourceOfKey records the line of a top-level key, or "default".
func (l *loader) sourceOfKey(key string) {
	l.c.sources[key] = "default"
	if line, ok := l.file.KeyLines[key]; ok {
		l.c.sources[key] = l.at(line)
	}
}

// applyExtraBackends checks `extra_backends` and returns the names of the
// backends it enables.
func (l *loader) applyExtraBackends() map[string]bool {
	enabled := map[string]bool{}
	for _, e := range l.file.ExtraBackends {
		b, ok := backendByClass(e.Value)
		switch {
		case !ok:
			l.ps.add(Problem{
				Where: l.at(e.Line), Key: "extra_backends", Value: e.Value,
				Message: "not a supported OAuth2 backend",
				Fix:     "use one of " + strings.Join(extraClasses(), ", "),
			})
			continue
		case b.Builtin:
			l.ps.warn(Problem{
				Where: l.at(e.Line), Key: "extra_backends", Value: e.Value,
				Message: "this backend is built in", Fix: "remove it from extra_backends",
			})
		}
		if !enabled[b.Name] {
			enabled[b.Name] = true
			l.c.ExtraBackends = append(l.c.ExtraBackends, e.Value)
		}
	}
	return enabled
}

// applyProviders checks each provider's name and resolves its values.
func (l *loader) applyProviders(extra map[string]bool) {
	accepted := l.acceptedNames(extra)
	firstLine := map[string]int{}
	for _, fp := range l.file.Providers {
		written := fp.Name.Value
		name, aliased := nameAliases[written]
		if !aliased {
			name = written
		}
		where, path := l.at(fp.Name.Line), fmt.Sprintf("providers[%d].name", fp.Index)

		b, known := backends[name]
		switch {
		case !known:
			fix := "use one of " + strings.Join(accepted, ", ")
			if near := nearestName(name, accepted); near != "" {
				fix = fmt.Sprintf("write %q; accepted names are %s", near, strings.Join(accepted, ", "))
			}
			l.ps.add(Problem{Where: where, Key: path, Value: written, Message: "unsupported provider", Fix: fix})
			continue
		case !b.Builtin && !extra[name]:
			l.ps.add(Problem{
				Where: where, Key: path, Value: written,
				Message: "this provider needs its backend in `extra_backends`",
				Fix:     fmt.Sprintf("add `extra_backends: [%s]` at the top level", b.Class),
			})
			continue
		}
		if line, dup := firstLine[name]; dup {
			l.ps.add(Problem{
				Where: where, Key: path, Value: written,
				Message: fmt.Sprintf("provider already configured at line %d", line),
				Fix:     "keep one entry per provider",
			})
			continue
		}
		firstLine[name] = fp.Name.Line
		if aliased {
			l.ps.warn(Problem{
				Where: where, Key: path, Value: written,
				Message: fmt.Sprintf("read as %q; Argilla's documentation prints this spelling, "+
					"but Argilla itself rejects it", name),
				Fix: fmt.Sprintf("write %q", name),
			})
		}
		l.c.Providers = append(l.c.Providers, l.resolveProvider(fp, b))
	}

	l.checkSharedOIDCEndpoints()
	if l.fileParsed && len(l.file.Providers) == 0 && l.c.Enabled {
		l.ps.warn(Problem{
			Where: l.c.sources["oauth_file"], Key: "providers",
			Message: "no provider configured, so Argilla's sign-in page offers none",
			Fix:     "add a `providers:` list with `- name: <provider>` items",
		})
	}
}

// acceptedNames returns the built-in provider names and those enabled by
// `extra_backends`, sorted.
func (l *loader) acceptedNames(extra map[string]bool) []string {
	var names []string
	for name := range extra {
		names = append(names, name)
	}
	return sortedUnique(builtinNames(), names)
}
