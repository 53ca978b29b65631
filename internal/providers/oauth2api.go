package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// apiProvider is a plain OAuth 2.0 provider that has no ID token: the
// person is read from the provider's REST API with the access token, which
// came straight from the token endpoint.
type apiProvider struct {
	cfg           config.Provider
	opts          Options
	endpoint      oauth2.Endpoint
	defaultScopes []string
	// header is sent with every API request.
	header http.Header
	// identify reads the person behind token.
	identify func(ctx context.Context, api *apiClient, token *oauth2.Token) (*Identity, error)
}

func (p *apiProvider) Name() string { return p.cfg.Name }

// Check returns nil: these providers have no discovery document, and their
// settings were checked by New.
func (p *apiProvider) Check(context.Context) error { return nil }

func (p *apiProvider) oauth2Config(redirectURI string) *oauth2.Config {
	scopes := p.cfg.Scopes
	if len(scopes) == 0 {
		scopes = p.defaultScopes
	}
	return &oauth2.Config{
		ClientID:     p.cfg.ClientID,
		ClientSecret: p.cfg.ClientSecret,
		Endpoint:     p.endpoint,
		RedirectURL:  redirectURI,
		Scopes:       scopes,
	}
}

func (p *apiProvider) AuthCodeURL(_ context.Context, r Request) (string, error) {
	return p.oauth2Config(r.RedirectURI).AuthCodeURL(r.State, oauth2.S256ChallengeOption(r.CodeVerifier)), nil
}

func (p *apiProvider) Exchange(ctx context.Context, r Request, callback url.Values) (*Identity, error) {
	tokenCtx := context.WithValue(ctx, oauth2.HTTPClient, p.opts.HTTPClient)
	token, err := p.oauth2Config(r.RedirectURI).Exchange(tokenCtx, callback.Get("code"),
		oauth2.VerifierOption(r.CodeVerifier))
	if err != nil {
		return nil, exchangeError(p.cfg.Name, err)
	}

	// API calls must not follow redirects: GitHub responds to a membership
	// check with 302 when the member is not visible.
	client := *p.opts.HTTPClient
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	api := &apiClient{provider: p.cfg.Name, client: &client, token: token.AccessToken, header: p.header}
	identity, err := p.identify(ctx, api, token)
	if err != nil {
		return nil, err
	}
	identity.Provider = p.cfg.Name
	return identity, nil
}

// apiClient calls a provider's REST API with one access token.
type apiClient struct {
	provider string
	client   *http.Client
	token    string
	header   http.Header
}

// get requests rawURL and returns the status and at most 1 MiB of the body.
func (a *apiClient) get(ctx context.Context, rawURL string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return 0, nil, &Error{Status: http.StatusInternalServerError,
			Message: "invalid API URL for " + a.provider + "; ask the administrator", Err: err}
	}
	for name, values := range a.header {
		req.Header[name] = values
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, requestError("the request to "+a.provider+" for "+req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, requestError("the request to "+a.provider+" for "+req.URL.Path, err)
	}
	return resp.StatusCode, body, nil
}

// getJSON requests rawURL and decodes its 200 response into v, keeping
// numbers as json.Number so that large ids survive.
func (a *apiClient) getJSON(ctx context.Context, rawURL string, v any) error {
	status, body, err := a.get(ctx, rawURL)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return a.statusError(rawURL, status, body)
	}
	decoder := json.NewDecoder(bytes.NewReader(body))
	decoder.UseNumber()
	if err := decoder.Decode(v); err != nil {
		return &Error{Status: http.StatusBadGateway,
			Message: a.provider + " sent an invalid response for " + urlPath(rawURL), Err: err}
	}
	return nil
}

// statusError describes an unexpected API response, with the provider's own
// message when the body has one.
func (a *apiClient) statusError(rawURL string, status int, body []byte) *Error {
	detail := fmt.Sprintf("HTTP %d", status)
	if msg := apiMessage(body); msg != "" {
		detail += ": " + msg
	}
	what := urlPath(rawURL)
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return &Error{Status: http.StatusUnauthorized,
			Message: fmt.Sprintf("%s rejected the access token when reading %s (%s); sign in again", a.provider, what, detail)}
	}
	return &Error{Status: http.StatusBadGateway,
		Message: fmt.Sprintf("%s responded with %s when reading %s; try again later", a.provider, detail, what)}
}

// apiMessage returns the error message in a provider's JSON error body:
// {"message": ...} (GitHub, GitLab) or {"error": {"message": ...}}
// (Microsoft Graph) or {"error_description": ...}.
func apiMessage(body []byte) string {
	var errorBody struct {
		Message          string          `json:"message"`
		Error            json.RawMessage `json:"error"`
		ErrorDescription string          `json:"error_description"`
	}
	if json.Unmarshal(body, &errorBody) != nil {
		return ""
	}
	if errorBody.Message != "" {
		return errorBody.Message
	}
	var nested struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(errorBody.Error, &nested) == nil && nested.Message != "" {
		return nested.Message
	}
	return errorBody.ErrorDescription
}

func urlPath(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Path
	}
	return rawURL
}
