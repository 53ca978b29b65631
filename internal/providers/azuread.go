package providers

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/argilla-authproxy/authproxy/internal/config"
)

// azureV1Issuer matches the issuer of Microsoft Entra ID's (Azure AD's) v1
// endpoints, which names the tenant by its GUID.
var azureV1Issuer = regexp.MustCompile(`^https://sts\.windows\.net/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/$`)

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// newAzureADTenant returns social-core's azuread-tenant-oauth2 backend: the
// v1 endpoints of one Microsoft Entra ID tenant (TENANT_ID) at
// AUTHORITY_HOST (default login.microsoftonline.com). The ID token is
// verified against the tenant's discovery document.
func newAzureADTenant(p config.Provider, opts Options) (Provider, error) {
	tenant, _ := p.Setting("TENANT_ID")
	tenantVar := settingVar(p, "TENANT_ID")
	switch strings.ToLower(tenant) {
	case "":
		return nil, errors.New("missing tenant; set " + tenantVar + " to the directory (tenant) id")
	case "common", "organizations", "consumers":
		return nil, fmt.Errorf("%s=%s accepts any tenant, and the tenant's issuer could not be checked; "+
			"set it to the directory (tenant) id, or use microsoft-graph for accounts of any tenant", tenantVar, tenant)
	}
	authority, _ := p.Setting("AUTHORITY_HOST")
	if authority == "" {
		authority = "login.microsoftonline.com"
	}
	if !strings.Contains(authority, "://") {
		authority = "https://" + authority
	}
	base := strings.TrimSuffix(authority, "/") + "/" + url.PathEscape(tenant)
	if err := checkURL(settingVar(p, "AUTHORITY_HOST"), base); err != nil {
		return nil, err
	}

	spec := oidcSpec{
		discovery: base,
		// The v1 issuer is https://sts.windows.net/<tenant GUID>/. Microsoft
		// resolves a tenant given by its domain name, so any GUID is accepted
		// then. A tenant given as a GUID must be the one named.
		acceptIssuer: func(discovered string) error {
			match := azureV1Issuer.FindStringSubmatch(discovered)
			if match == nil {
				return fmt.Errorf("the issuer %q is not a tenant's v1 issuer (https://sts.windows.net/<tenant id>/); "+
					"check %s", discovered, settingVar(p, "AUTHORITY_HOST"))
			}
			if guid.MatchString(tenant) && !strings.EqualFold(match[1], tenant) {
				return fmt.Errorf("the issuer %q names another tenant than %s=%s", discovered, tenantVar, tenant)
			}
			return nil
		},
		skipUserInfo:  true,
		defaultScopes: []string{"openid", "profile", "user_impersonation", "email"},
	}
	spec.mapper = func(c claims, _ url.Values) (*Identity, error) { return azureIdentity(p, c) }
	return newOIDC(p, spec, opts), nil
}

// azureIdentity maps Entra ID's claims as social-core's AzureADOAuth2 does:
// the username is the display name (name), the email is email or upn.
// Entra ID does not verify these addresses, so EmailVerified stays false
// and allow-lists reject these identities.
func azureIdentity(p config.Provider, c claims) (*Identity, error) {
	claim := usernameKey(p, "name")
	username := c.str(claim)
	if err := requireUsername(p.Name, claim, username); err != nil {
		return nil, err
	}
	email := c.str("email")
	if email == "" {
		email = c.str("upn")
	}
	return withFirstNameFallback(&Identity{
		Username:  username,
		FirstName: c.str("given_name"),
		Email:     email,
	}), nil
}
