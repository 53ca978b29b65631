package config

import (
	"fmt"
	"net/url"
	"strings"
)

// oidcEndpointSetting is social-core's setting for the URL under which an
// OpenID Connect provider publishes its discovery document.
const oidcEndpointSetting = "OIDC_ENDPOINT"

// spaceVariables are the variables a Hugging Face Space with `hf_oauth:
// true` receives. Argilla's Space image copies the first three into
// OAUTH2_HUGGINGFACE_CLIENT_ID, _CLIENT_SECRET and _SCOPE.
var spaceVariables = map[string]string{
	"client_id":     "OAUTH_CLIENT_ID",
	"client_secret": "OAUTH_CLIENT_SECRET",
	"scope":         "OAUTH_SCOPES",
	"oidc_endpoint": "OPENID_PROVIDER_URL",
}

// providerValue is one of a provider's values, resolved.
type providerValue struct {
	Value  string
	Source string
	// Candidates are every source that was tried, for messages.
	Candidates []string
	// Shadow is the social-core variable that is set but empty, which
	// hides the names after it from social-core and from authproxy.
	Shadow string
}

// resolveProvider resolves one provider's values. For client_id,
// client_secret and scope the order is Argilla 2.8's, first match wins:
//
//  1. the file's value, unless empty;
//  2. OAUTH2_<NAME>_<PROPERTY> with the name upper-cased and its hyphen
//     kept, unless empty; then ARGILLA_OAUTH2_<NAME>_<PROPERTY> with the
//     hyphen as "_", which Argilla's documentation promises but its code
//     never reads; then, for huggingface, the Space's OAUTH_* variable;
//  3. social-core's setting (key, secret or scope), the first variable
//     that is set even if empty: SOCIAL_AUTH_<BACKEND>_<SETTING>,
//     SOCIAL_AUTH_<SETTING>, then the lower-case <setting> itself.
//
// Client ids and secrets are also read from <VARIABLE>_FILE.
func (l *loader) resolveProvider(fp fileProvider, b Backend) Provider {
	p := Provider{Name: b.Name, Backend: b}
	key := "providers." + p.Name + "."
	p.settings = l.settingLookup(p.Name)
	l.c.sources[key+"name"] = l.at(fp.Name.Line)

	clientID := l.providerValue(p.Name, "client_id", "key", fp.ClientID, true)
	clientSecret := l.providerValue(p.Name, "client_secret", "secret", fp.ClientSecret, true)
	scope := l.providerValue(p.Name, "scope", "scope", fp.Scope, false)
	p.ClientID, p.ClientSecret = clientID.Value, clientSecret.Value
	l.c.sources[key+"client_id"] = clientID.Source
	l.c.sources[key+"client_secret"] = clientSecret.Source
	l.c.sources[key+"scope"] = scope.Source
	// Argilla splits the scope on spaces and keeps a list as it is; the
	// file's lists were joined with spaces.
	p.Scopes = strings.Fields(scope.Value)
	if len(p.Scopes) == 0 {
		p.Scopes = nil
		l.c.sources[key+"scope"] = "default"
	}

	// Argilla 2.8 starts without a client id or secret and fails at the
	// first sign-in; authproxy stops at start-up instead.
	if l.c.Enabled {
		l.requireCredential(fp, p.Name, "client_id", "client id", clientID)
		l.requireCredential(fp, p.Name, "client_secret", "client secret", clientSecret)
	}

	l.applyRedirectURI(&p, fp)

	p.SyncUser = fp.SyncUser.Value
	l.c.sources[key+"sync_user"] = "default"
	if fp.SyncUser.Set {
		l.c.sources[key+"sync_user"] = l.at(fp.SyncUser.Line)
	}

	l.checkOIDCEndpoint(p, fp)
	return p
}

// settingLookup returns the social-core setting lookup for provider name.
func (l *loader) settingLookup(name string) func(string) variable {
	env := l.env
	return func(setting string) variable {
		names := socialSettingNames(name, setting)
		if name == "huggingface" && setting == oidcEndpointSetting {
			names = append(names, spaceVariables["oidc_endpoint"])
		}
		return env.firstSet(names, false)
	}
}

// providerValue resolves property of provider name; setting is the
// social-core setting behind it and secret enables <VARIABLE>_FILE.
func (l *loader) providerValue(name, property, setting string, fv fileValue, secret bool) providerValue {
	explicit := []string{
		"OAUTH2_" + strings.ToUpper(name) + "_" + strings.ToUpper(property),
	}
	if property != "scope" {
		explicit = append(explicit, "ARGILLA_OAUTH2_"+envName(name)+"_"+strings.ToUpper(property))
	}
	if name == "huggingface" {
		explicit = append(explicit, spaceVariables[property])
	}
	social := socialSettingNames(name, setting)

	candidates := []string{"`" + property + "` in " + l.file.Path}
	candidates = append(candidates, explicit...)
	candidates = append(candidates, social...)
	result := providerValue{Candidates: candidates, Source: "default"}

	if fv.Value != "" {
		result.Value, result.Source = fv.Value, l.at(fv.Line)
		return result
	}
	if v := l.env.firstNonEmpty(explicit, secret); v.Value != "" {
		result.Value, result.Source = v.Value, v.Source
		return result
	}
	// NOTE: Argilla 2.8 fails at start-up with a TypeError when
	// SOCIAL_AUTH_<NAME>_SCOPE, SOCIAL_AUTH_SCOPE or SCOPE is set, unless
	// social-core's IGNORE_DEFAULT_SCOPE setting is set too. authproxy
	// uses the first two like any other setting and does not read SCOPE.
	if v := l.env.firstSet(social, secret); v.Set {
		result.Value, result.Source = v.Value, v.Source
		if v.Value == "" {
			result.Shadow = v.Name
		}
	}
	return result
}

// requireCredential reports a missing client id or secret, listing every
// place that could supply it.
func (l *loader) requireCredential(fp fileProvider, name, property, what string, v providerValue) {
	if v.Value != "" {
		return
	}
	message := fmt.Sprintf("missing %s for provider %s", what, name)
	if v.Shadow != "" {
		message += fmt.Sprintf("; %s is set but empty, and social-core then ignores the names after it", v.Shadow)
	}
	fix := "set one of " + strings.Join(v.Candidates, ", ")
	if property == "client_id" || property == "client_secret" {
		fix += " (each variable may instead name a file in <VARIABLE>_FILE)"
	}
	l.ps.add(Problem{Where: l.at(fp.Line), Key: "providers." + name + "." + property, Message: message, Fix: fix})
}

// applyRedirectURI checks redirect_uri, which Argilla reads only from the
// file, defaulting to /oauth/<name>/callback.
func (l *loader) applyRedirectURI(p *Provider, fp fileProvider) {
	key := "providers." + p.Name + ".redirect_uri"
	callback := "/oauth/" + p.Name + "/callback"
	p.RedirectURI = callback
	l.c.sources[key] = "default"
	if fp.RedirectURI.Value == "" {
		return
	}
	p.RedirectURI = fp.RedirectURI.Value
	l.c.sources[key] = l.at(fp.RedirectURI.Line)

	problem := Problem{Where: l.at(fp.RedirectURI.Line), Key: key, Value: p.RedirectURI,
		Fix: "write a path such as " + callback + ", or an absolute https URL ending in it"}
	u, err := url.Parse(p.RedirectURI)
	switch {
	case err != nil:
		problem.Message = "not a valid URL"
	case u.IsAbs() && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.User != nil):
		problem.Message = "not a path or an absolute http or https URL with a host"
	case !u.IsAbs() && (u.Host != "" || u.Opaque != ""):
		// url.Parse reads "//host/path" as a host: a browser would leave
		// the origin.
		problem.Message = "starts with // and names another host"
	case u.Fragment != "":
		problem.Message = "a redirect URI must not have a fragment"
		problem.Fix = "remove everything from #"
	}
	if problem.Message != "" {
		l.ps.add(problem)
		return
	}

	// A relative path without its leading slash is joined as if it had one.
	if !strings.HasSuffix("/"+strings.TrimPrefix(u.Path, "/"), callback) {
		l.ps.warn(Problem{
			Where: problem.Where, Key: key, Value: p.RedirectURI,
			Message: "does not end in " + callback + ", the web UI page that completes the sign-in",
			Fix:     "end the path in " + callback + " unless another page calls the access-token endpoint",
		})
	}
	if u.IsAbs() && u.Scheme == "http" && !l.c.AllowHTTPRedirect {
		l.ps.warn(Problem{
			Where: problem.Where, Key: key, Value: p.RedirectURI,
			Message: "uses http, but the scheme becomes https because allow_http_redirect is false, as in Argilla",
			Fix:     "write https, or set `allow_http_redirect: true`",
		})
	}
}

// checkOIDCEndpoint checks the discovery URL of a provider that reads the
// OIDC_ENDPOINT setting. keycloak and oidc have no default, so Argilla
// raises at the first sign-in without it; authproxy stops at start-up.
func (l *loader) checkOIDCEndpoint(p Provider, fp fileProvider) {
	if !p.Backend.ReadsOIDCEndpoint {
		return
	}
	key := "providers." + p.Name + ".oidc_endpoint"
	endpoint, source := p.OIDCEndpoint()
	l.c.sources[key] = source
	names := socialSettingNames(p.Name, oidcEndpointSetting)
	if endpoint == "" {
		if !l.c.Enabled {
			return
		}
		message := p.Name + " needs the URL of its OpenID Connect issuer"
		if source != "" {
			message = fmt.Sprintf("%s is set but empty, and social-core then ignores the names after it",
				strings.TrimPrefix(source, "env "))
		}
		l.ps.add(Problem{
			Where: l.at(fp.Line), Key: key, Message: message,
			Fix: "set " + strings.Join(names, " or ") + " to the issuer URL, such as " +
				"http://keycloak:8080/realms/argilla for a Keycloak realm",
		})
		return
	}
	u, err := parseHTTPURL(endpoint)
	if err == nil && (u.RawQuery != "" || u.Fragment != "") {
		err = fmt.Errorf("URL with a query or fragment")
	}
	if err != nil {
		l.ps.add(Problem{Where: source, Key: key, Value: endpoint, Message: err.Error(),
			Fix: "write the issuer URL without /.well-known/openid-configuration, " +
				"such as http://keycloak:8080/realms/argilla"})
	}
}

// checkSharedOIDCEndpoints reports two providers that take their discovery
// URL from the same variable. SOCIAL_AUTH_OIDC_ENDPOINT and OIDC_ENDPOINT
// apply to every OpenID Connect backend, so one set for keycloak would also
// send huggingface's sign-ins to the Keycloak realm.
func (l *loader) checkSharedOIDCEndpoints() {
	if !l.c.Enabled {
		return
	}
	firstBySource := map[string]string{}
	for _, p := range l.c.Providers {
		_, source := p.OIDCEndpoint()
		if !strings.HasPrefix(source, "env ") {
			continue
		}
		first, shared := firstBySource[source]
		if !shared {
			firstBySource[source] = p.Name
			continue
		}
		variable := strings.TrimPrefix(source, "env ")
		l.ps.add(Problem{
			Where: source, Key: "providers." + p.Name + ".oidc_endpoint",
			Message: fmt.Sprintf("%s applies to both %s and %s", variable, first, p.Name),
			Fix: fmt.Sprintf("set %s and %s instead",
				socialSettingNames(first, oidcEndpointSetting)[0], socialSettingNames(p.Name, oidcEndpointSetting)[0]),
		})
	}
}
