// Package e2e contains end-to-end tests that run the authproxy binary against
// real components: argilla-server, an OpenID Connect provider
// (e2e/idp/server.mjs), Keycloak with the realm in e2e/keycloak/realm.json
// and headless Chromium. Sign in with Apple has fixed hosts, so its test
// serves authproxy from the test process, pointed at the Apple fake of
// internal/providers/fakes.
//
// scripts/test starts the components once and passes their addresses in
// these environment variables:
//
//	E2E_ARGILLA_URL             argilla-server base URL
//	E2E_ARGILLA_API_KEY         API key of the Argilla owner
//	E2E_ARGILLA_OWNER           username of the Argilla owner
//	E2E_ARGILLA_OWNER_PASSWORD  password of the Argilla owner
//	E2E_IDP_ISSUER              issuer URL of the identity provider
//	E2E_IDP_CLIENT_ID           client id registered at the identity provider
//	E2E_IDP_CLIENT_SECRET       its secret
//	E2E_KEYCLOAK_ISSUER         issuer URL of the Keycloak realm
//	E2E_KEYCLOAK_CLIENT_ID      client id registered in that realm
//	E2E_KEYCLOAK_CLIENT_SECRET  its secret
//	E2E_PROXY_PORTS             comma-separated 127.0.0.1 ports whose callback URLs both providers accept
//	E2E_CHROMIUM                path of the Chromium binary
//	E2E_LOG_DIR                 optional directory for the authproxy logs
//	E2E_REQUIRED                "1" makes a missing variable a test failure; otherwise the tests skip
//
// Screenshots go to e2e/artifacts/, which git ignores.
package e2e
