package proxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"

	"github.com/argilla-authproxy/authproxy/internal/argilla"
	"github.com/argilla-authproxy/authproxy/internal/config"
	"github.com/argilla-authproxy/authproxy/internal/providers"
	"github.com/argilla-authproxy/authproxy/internal/session"
)

// maxFlowCookies bounds the login-state cookies one browser collects from
// logins it started and never finished; past it they are all cleared.
const maxFlowCookies = 8

// handleProviders lists the providers in Argilla's shape, so Argilla's
// sign-in page shows one button for each.
func (s *Server) handleProviders(w http.ResponseWriter, r *http.Request) {
	type item struct {
		Name string `json:"name"`
	}
	items := []item{}
	if s.cfg.Enabled {
		for _, name := range s.order {
			items = append(items, item{Name: name})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) lookupProvider(w http.ResponseWriter, r *http.Request) (providers.Provider, config.Provider, bool) {
	name := chi.URLParam(r, "provider")
	provider, ok := s.providers[name]
	if !ok || !s.cfg.Enabled {
		writeDetail(w, http.StatusNotFound, "OAuth Provider '"+name+"' not found")
		return nil, config.Provider{}, false
	}
	for _, p := range s.cfg.Providers {
		if p.Name == name {
			return provider, p, true
		}
	}
	writeDetail(w, http.StatusNotFound, "OAuth Provider '"+name+"' not found")
	return nil, config.Provider{}, false
}

// handleAuthentication starts a login: it stores state, nonce and PKCE
// verifier in a cookie of this login's own and redirects to the provider.
// Unlike Argilla, it copies no query parameter into the provider URL, so a
// crafted link cannot change the redirect URI or the scopes.
func (s *Server) handleAuthentication(w http.ResponseWriter, r *http.Request) {
	provider, cfg, ok := s.lookupProvider(w, r)
	if !ok {
		return
	}

	if _, host := s.origin(r); host == "" {
		// HTTP/1.0 allows a request without Host; a redirect URI needs one.
		s.logger(r).Warn("login start rejected: no Host header", slog.String("provider", cfg.Name))
		writeDetail(w, http.StatusBadRequest, "the request has no Host header")
		return
	}
	flow := session.NewFlow(cfg.Name, s.redirectURI(r, cfg), s.now(), FlowTTL)
	target, err := provider.AuthCodeURL(r.Context(), providers.Request{
		State: flow.State, Nonce: flow.Nonce, CodeVerifier: flow.CodeVerifier, RedirectURI: flow.RedirectURI,
	})
	if err != nil {
		s.logger(r).Error("login start failed", slog.String("provider", cfg.Name), slog.Any("error", err))
		writeDetail(w, http.StatusServiceUnavailable,
			"the identity provider "+cfg.Name+" is not reachable; try again in a moment")
		return
	}
	value, err := s.keys.EncodeFlow(flow)
	if err != nil {
		s.logger(r).Error("encode login state failed", slog.Any("error", err))
		writeDetail(w, http.StatusInternalServerError, "could not start the login")
		return
	}

	s.clearStaleFlows(w, r)
	http.SetCookie(w, &http.Cookie{
		Name:     session.FlowCookieName(flow.State),
		Value:    value,
		Path:     s.flowCookiePath(),
		MaxAge:   int(FlowTTL.Seconds()),
		HttpOnly: true,
		Secure:   s.secureCookies(r),
		SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// handleAccessToken finishes a login. It sets the session cookie and
// returns {"access_token", "token_type"} to Argilla's web UI. Errors use
// Argilla's {"detail": ...} shape.
func (s *Server) handleAccessToken(w http.ResponseWriter, r *http.Request) {
	provider, cfg, ok := s.lookupProvider(w, r)
	if !ok {
		return
	}
	log := s.logger(r).With(slog.String("provider", cfg.Name))
	query := r.URL.Query()
	w.Header().Set("Cache-Control", "no-store")

	state := query.Get("state")
	if state == "" {
		writeDetail(w, http.StatusUnprocessableEntity, "'state' parameter was not found in callback request")
		return
	}
	cookieName := session.FlowCookieName(state)
	cookie, err := r.Cookie(cookieName)
	if err != nil {
		log.Warn("login rejected: no login state for this state parameter")
		s.metrics.login(cfg.Name, "rejected")
		writeDetail(w, http.StatusUnprocessableEntity, "'state' parameter does not match")
		return
	}
	// The flow cookie is single use: clear it before anything else is
	// written, whatever the outcome.
	http.SetCookie(w, s.expiredCookie(r, cookieName, s.flowCookiePath()))
	flow, err := s.keys.DecodeFlow(cookie.Value, state, s.now())
	if err != nil || flow.Provider != cfg.Name {
		log.Warn("login rejected: invalid or expired login state")
		s.metrics.login(cfg.Name, "rejected")
		writeDetail(w, http.StatusUnprocessableEntity, "'state' parameter does not match")
		return
	}
	if !s.usedStates.Claim(state, flow.Expires, s.now()) {
		log.Warn("login rejected: login state already used")
		s.metrics.login(cfg.Name, "rejected")
		writeDetail(w, http.StatusUnprocessableEntity, "'state' parameter was already used; start the login again")
		return
	}

	// A provider's error is reported only for a login this browser started,
	// and in fixed words: the description comes from the URL, so showing it
	// would let a crafted link put any text on the sign-in page.
	if code := query.Get("error"); code != "" {
		code = errorCode(code)
		log.Warn("login failed at the provider", slog.String("error_code", code),
			slog.String("error_description", truncate(query.Get("error_description"), 200)))
		s.metrics.login(cfg.Name, "provider_error")
		writeDetail(w, http.StatusUnauthorized, "the login with "+cfg.Name+" did not complete: the provider returned the error "+code)
		return
	}
	if query.Get("code") == "" {
		writeDetail(w, http.StatusUnprocessableEntity, "'code' parameter was not found in callback request")
		return
	}

	identity, err := provider.Exchange(r.Context(), providers.Request{
		State: flow.State, Nonce: flow.Nonce, CodeVerifier: flow.CodeVerifier, RedirectURI: flow.RedirectURI,
	}, query)
	if err != nil {
		var providerErr *providers.Error
		status, detail := http.StatusBadGateway, "the login with "+cfg.Name+" failed"
		if errors.As(err, &providerErr) {
			status = providerErr.Status
			detail = "the login with " + cfg.Name + " failed: " + providerErr.Message
			if providerErr.Code != "" {
				detail += " (" + providerErr.Code + ")"
			}
		}
		log.Warn("login failed", slog.Any("error", err))
		s.metrics.login(cfg.Name, "provider_error")
		writeDetail(w, status, detail)
		return
	}
	log = log.With(slog.String("subject", identity.Subject), slog.String("user", identity.Username))
	if !usableUsername(identity.Username) {
		// Argilla accepts any non-empty username, so " argilla" or
		// "argilla\u200b" would become a look-alike of another account.
		log.Warn("login rejected: unusable username")
		s.metrics.login(cfg.Name, "rejected")
		writeDetail(w, http.StatusUnprocessableEntity, fmt.Sprintf(
			"the username %q from %s has white space at its ends or invisible characters; "+
				"change it at the provider or ask the operator to set the username claim", identity.Username, cfg.Name))
		return
	}

	// The provisioner adds provider, subject and user to its own lines.
	ctx := argilla.ContextWithLogger(r.Context(), s.logger(r))
	user, err := s.provisioner.Provision(ctx, s.account(identity))
	if err != nil {
		var provisionErr *argilla.Error
		status, detail := http.StatusBadGateway, "your Argilla account could not be set up"
		level := slog.LevelError
		if errors.As(err, &provisionErr) {
			status, detail = provisionErr.Status, provisionErr.Message
			if provisionErr.Rejected {
				level = slog.LevelWarn
			}
		}
		log.Log(ctx, level, "provisioning failed; no session issued", slog.Any("error", err))
		s.metrics.login(cfg.Name, "provisioning_error")
		writeDetail(w, status, detail)
		return
	}

	now := s.now()
	sess := session.Session{
		ID: session.NewID(), Provider: cfg.Name, Subject: identity.Subject,
		UserID: user.ID, Username: user.Username, APIKey: user.APIKey,
		Issued: now, Expires: now.Add(s.cfg.SessionTTL),
	}
	value, err := s.keys.EncodeSession(sess)
	if err != nil {
		log.Error("encode session failed", slog.Any("error", err))
		writeDetail(w, http.StatusInternalServerError, "could not create the session")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     session.CookieName,
		Value:    value,
		Path:     s.cfg.BasePath,
		MaxAge:   int(s.cfg.SessionTTL.Seconds()),
		HttpOnly: true,
		Secure:   s.secureCookies(r),
		SameSite: http.SameSiteLaxMode,
	})
	log.Info("signed in", slog.String("user_id", user.ID), slog.String("role", user.Role))
	s.metrics.login(cfg.Name, "success")
	writeJSON(w, http.StatusOK, map[string]string{"access_token": s.keys.Token(sess), "token_type": "bearer"})
}

// account returns the account request of a sign-in by identity, by the
// rules of argilla.Policy.
func (s *Server) account(identity *providers.Identity) argilla.Account {
	return s.policy.Account(argilla.Identity{
		Provider:      identity.Provider,
		Subject:       identity.Subject,
		Username:      identity.Username,
		FirstName:     identity.FirstName,
		Email:         identity.Email,
		EmailVerified: identity.EmailVerified,
		RealmRoles:    identity.RealmRoles,
	})
}

// maxFormPostBytes bounds the body of a form_post callback. Apple's carries
// code, state, id_token and, on the first sign-in, a small user object.
const maxFormPostBytes = 64 << 10

// handleFormPostCallback serves providers that return the browser with a
// POST (response_mode=form_post, as Apple does). It turns the form into the
// query of a 303 redirect to the same path, so that Argilla's callback page
// loads and calls the access-token endpoint as it does for every provider.
// Requests for providers that are not configured are forwarded to Argilla.
func (s *Server) handleFormPostCallback(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.providers[chi.URLParam(r, "provider")]; !ok {
		s.handleForward(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormPostBytes)
	if err := r.ParseForm(); err != nil {
		s.logger(r).Warn("callback form rejected", slog.Any("error", err))
		writeDetail(w, http.StatusBadRequest, "the callback form is invalid or larger than 64 KiB")
		return
	}
	target := *r.URL
	target.RawQuery = r.Form.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target.RequestURI(), http.StatusSeeOther)
}

// errorCode returns an OAuth error code as sent, when it has the form RFC
// 6749 gives error codes, or "invalid_error_code".
func errorCode(code string) string {
	if len(code) > 64 {
		return "invalid_error_code"
	}
	for _, c := range code {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return "invalid_error_code"
		}
	}
	return code
}

// usableUsername reports whether name can be an Argilla username made by
// the proxy: valid UTF-8, no white space at either end, and no control or
// format characters (such as zero-width spaces) anywhere.
func usableUsername(name string) bool {
	if name == "" || !utf8.ValidString(name) || strings.TrimSpace(name) != name {
		return false
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

// truncate returns s cut to at most n bytes, for log lines.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

func (s *Server) flowCookiePath() string {
	return s.cfg.BasePath + "api/v1/oauth2/"
}

// clearStaleFlows clears every login-state cookie once a browser holds
// maxFlowCookies of them, so abandoned logins cannot crowd out the session
// cookie.
func (s *Server) clearStaleFlows(w http.ResponseWriter, r *http.Request) {
	var stale []string
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, session.FlowCookiePrefix) {
			stale = append(stale, c.Name)
		}
	}
	if len(stale) < maxFlowCookies {
		return
	}
	for _, name := range stale {
		http.SetCookie(w, s.expiredCookie(r, name, s.flowCookiePath()))
	}
}

func (s *Server) expiredCookie(r *http.Request, name, path string) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies(r), SameSite: http.SameSiteLaxMode,
	}
}
