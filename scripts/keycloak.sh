#!/usr/bin/env bash
# Run a development Keycloak on 127.0.0.1 with the test realm from
# e2e/keycloak/realm.json, as scripts/test does, to try authproxy against a
# real Keycloak by hand.
#
# Installs Keycloak on first use (cached in $AUTHPROXY_CACHE, default
# ~/.cache/authproxy), prints the issuer, the client and the users, stays in
# the foreground until Ctrl-C and then stops Keycloak by pid. Its database
# is in memory, so every start begins with the realm file's state.
#
# Environment: AP_KEYCLOAK_PORT (default 18080), AP_KEYCLOAK_PROXY_PORT, the
# port of the authproxy whose callbacks the client accepts (default 6900),
# and AP_KEYCLOAK_VERSION (default in scripts/lib.sh).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

port="${AP_KEYCLOAK_PORT:-18080}"
proxy_port="${AP_KEYCLOAK_PROXY_PORT:-6900}"

command -v curl >/dev/null 2>&1 || ap_apt_install curl
ap_install_keycloak

ap_init_run_dir
cleanup() {
	local status=$?
	ap_stop_all
	ap_log "stopped; logs are in $AP_RUN_DIR/logs"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ap_start_keycloak "$port" "$(ap_callback_uris "$proxy_port")"
ap_wait_keycloak

cat >&2 <<EOF

  Keycloak $AP_KEYCLOAK_VERSION is ready.

  Issuer     $AP_KEYCLOAK_ISSUER
             (set SOCIAL_AUTH_KEYCLOAK_OIDC_ENDPOINT to it)
  Client     $AP_KEYCLOAK_CLIENT_ID / $AP_KEYCLOAK_CLIENT_SECRET
  Callbacks  $(ap_callback_uris "$proxy_port")
  Users      grace / grace-password (realm roles argilla_role:admin and
             argilla_workspace:kc-team), linus / linus-password (no roles)
  Admin      $AP_KEYCLOAK_URL/admin/ ($AP_KEYCLOAK_ADMIN / $AP_KEYCLOAK_ADMIN_PASSWORD)
  Logs       $AP_RUN_DIR/logs

  Press Ctrl-C to stop Keycloak.

EOF

# Stay in the foreground until Keycloak exits or Ctrl-C ends the script.
pid="$(ap_pid_of keycloak)"
while kill -0 "$pid" 2>/dev/null; do
	sleep 1
done
ap_log "keycloak (pid $pid) exited; see $AP_RUN_DIR/logs/keycloak.log"
exit 1
