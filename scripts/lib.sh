# shellcheck shell=bash
# Install and run the real components that authproxy's end-to-end tests and
# scripts/dev need: Redis, a search-engine stand-in, argilla-server, an
# OpenID Connect provider, Keycloak and Chromium. Source this file from bash.
#
# Installs are cached in $AUTHPROXY_CACHE (default ~/.cache/authproxy) and
# skipped when the cached version is already there. Every server binds to
# 127.0.0.1, writes its pid to $AP_RUN_DIR/pids and its log to
# $AP_RUN_DIR/logs, and ap_stop_all ends them by pid.

AP_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AP_CACHE="${AUTHPROXY_CACHE:-$HOME/.cache/authproxy}"
AP_PYTHON="${AP_PYTHON:-python3}"

AP_ARGILLA_VERSION=2.8.0
# argilla-server 2.8.0 requires typer<0.10, and typer 0.9 fails with click 8.2
# or newer ("Secondary flag is not valid for non-boolean flag"), which pip
# picks by default.
AP_CLICK_VERSION=8.1.8
AP_OIDC_PROVIDER_VERSION=9.13.3
AP_START_TIMEOUT="${AP_START_TIMEOUT:-90}" # seconds to wait for one server to respond

# Owner account created in every fresh Argilla database.
AP_ARGILLA_OWNER=argilla
AP_ARGILLA_OWNER_PASSWORD=owner-password-e2e
AP_ARGILLA_API_KEY=owner-api-key-e2e-0123456789

AP_IDP_CLIENT_ID=authproxy-e2e
AP_IDP_CLIENT_SECRET=authproxy-e2e-client-secret

# Keycloak, from the keycloak-quarkus-dist zip on Maven Central. The realm
# comes from e2e/keycloak/realm.json, with the client's secret and redirect
# URIs set at start.
AP_KEYCLOAK_VERSION="${AP_KEYCLOAK_VERSION:-26.5.6}"
AP_KEYCLOAK_REALM=argilla
AP_KEYCLOAK_CLIENT_ID=authproxy
AP_KEYCLOAK_CLIENT_SECRET=authproxy-e2e-keycloak-secret
AP_KEYCLOAK_ADMIN=admin
AP_KEYCLOAK_ADMIN_PASSWORD=keycloak-admin-e2e
# Seconds to wait for Keycloak to respond. On a shared 2-core machine a start
# took 20 s to 150 s, depending on the load, and the first start after an
# install took another 40 s to build the server (Quarkus augmentation).
AP_KEYCLOAK_START_TIMEOUT="${AP_KEYCLOAK_START_TIMEOUT:-300}"

AP_APT_UPDATED=0
AP_STARTED=() # names of started servers, in start order

ap_log() {
	printf '%s [authproxy] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

ap_die() {
	ap_log "error: $*"
	exit 1
}

# Run a command as root: directly when we are root, else with sudo.
ap_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		ap_die "need root for: $* (run as root or install sudo)"
	fi
}

# Install Debian packages, running apt-get update once per shell.
ap_apt_install() {
	if [ "$AP_APT_UPDATED" -eq 0 ]; then
		ap_log "apt-get update"
		ap_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq || ap_die "apt-get update failed"
		AP_APT_UPDATED=1
	fi
	ap_log "apt-get install $*"
	ap_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
		ap_die "apt-get install $* failed"
}

# Install redis-server, redis-cli, chromium, node, npm and curl when missing.
ap_install_system() {
	local missing=()
	command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
	command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
	command -v chromium >/dev/null 2>&1 || missing+=(chromium)
	command -v node >/dev/null 2>&1 || missing+=(nodejs)
	command -v npm >/dev/null 2>&1 || missing+=(npm)
	command -v curl >/dev/null 2>&1 || missing+=(curl)
	if [ "${#missing[@]}" -gt 0 ]; then
		ap_apt_install "${missing[@]}"
	fi
	command -v go >/dev/null 2>&1 || ap_die "go is not installed; install Go 1.26 or newer"
}

# Create the venv with argilla-server and the argilla SDK at $AP_ARGILLA_VERSION
# and click at $AP_CLICK_VERSION.
ap_install_argilla() {
	AP_VENV="$AP_CACHE/venv-argilla"
	local check="import importlib.metadata as m, sys
ok = m.version('argilla-server') == m.version('argilla') == '$AP_ARGILLA_VERSION'
sys.exit(0 if ok and m.version('click') == '$AP_CLICK_VERSION' else 1)"
	if [ -x "$AP_VENV/bin/python" ] && "$AP_VENV/bin/python" -c "$check" 2>/dev/null; then
		return 0
	fi
	mkdir -p "$AP_CACHE"
	ap_log "installing argilla-server==$AP_ARGILLA_VERSION, argilla==$AP_ARGILLA_VERSION and click==$AP_CLICK_VERSION into $AP_VENV (log: $AP_CACHE/pip.log)"
	if [ ! -x "$AP_VENV/bin/python" ]; then
		if ! "$AP_PYTHON" -m venv "$AP_VENV" 2>/dev/null; then
			rm -rf "$AP_VENV"
			ap_apt_install python3-venv
			"$AP_PYTHON" -m venv "$AP_VENV" || ap_die "could not create a venv with $AP_PYTHON"
		fi
	fi
	"$AP_VENV/bin/pip" install --disable-pip-version-check -q \
		"argilla-server==$AP_ARGILLA_VERSION" "argilla==$AP_ARGILLA_VERSION" "click==$AP_CLICK_VERSION" \
		>"$AP_CACHE/pip.log" 2>&1 ||
		ap_die "pip install failed; see $AP_CACHE/pip.log"
	"$AP_VENV/bin/python" -c "$check" ||
		ap_die "packages in $AP_VENV are not at argilla $AP_ARGILLA_VERSION and click $AP_CLICK_VERSION"
}

# Install oidc-provider for e2e/idp/server.mjs into $AP_CACHE/idp.
ap_install_idp() {
	local dir="$AP_CACHE/idp"
	local installed=""
	if [ -f "$dir/node_modules/oidc-provider/package.json" ]; then
		installed="$(node -p "require('$dir/node_modules/oidc-provider/package.json').version" 2>/dev/null || true)"
	fi
	if [ "$installed" != "$AP_OIDC_PROVIDER_VERSION" ]; then
		mkdir -p "$dir"
		[ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
		ap_log "installing oidc-provider@$AP_OIDC_PROVIDER_VERSION into $dir (log: $AP_CACHE/npm.log)"
		npm install --prefix "$dir" --no-audit --no-fund --save-exact \
			"oidc-provider@$AP_OIDC_PROVIDER_VERSION" >"$AP_CACHE/npm.log" 2>&1 ||
			ap_die "npm install failed; see $AP_CACHE/npm.log"
	fi
}

# Print the major version of the java on PATH, or 0 when there is none.
ap_java_major() {
	local version
	version="$(java -version 2>&1 | sed -n 's/^.* version "\([0-9][0-9._]*\).*/\1/p' | head -n 1)"
	case "$version" in
	"") echo 0 ;;
	1.*) echo "$version" | cut -d. -f2 ;; # Java 8 and older print 1.<major>
	*) echo "${version%%[._]*}" ;;
	esac
}

# Install Java 17 or newer, Maven and unzip when missing. Keycloak needs
# the first, and its download needs the other two.
ap_install_keycloak_tools() {
	local missing=()
	[ "$(ap_java_major)" -ge 17 ] || missing+=(openjdk-17-jre-headless)
	command -v mvn >/dev/null 2>&1 || missing+=(maven)
	command -v unzip >/dev/null 2>&1 || missing+=(unzip)
	if [ "${#missing[@]}" -gt 0 ]; then
		ap_apt_install "${missing[@]}"
	fi
	[ "$(ap_java_major)" -ge 17 ] ||
		ap_die "Keycloak needs Java 17 or newer, but java on PATH is version $(ap_java_major); put a newer java first on PATH"
}

# Install Keycloak $AP_KEYCLOAK_VERSION into $AP_CACHE/keycloak-<version>
# unless it is there. Maven downloads the distribution into $AP_CACHE/m2,
# and the zip is deleted once unpacked. Sets AP_KEYCLOAK_HOME.
ap_install_keycloak() {
	AP_KEYCLOAK_HOME="$AP_CACHE/keycloak-$AP_KEYCLOAK_VERSION"
	ap_install_keycloak_tools
	if [ -x "$AP_KEYCLOAK_HOME/bin/kc.sh" ] &&
		grep -qx "Keycloak - Version $AP_KEYCLOAK_VERSION" "$AP_KEYCLOAK_HOME/version.txt" 2>/dev/null; then
		return 0
	fi
	mkdir -p "$AP_CACHE"
	local repo="$AP_CACHE/m2" unpack zip
	zip="$repo/org/keycloak/keycloak-quarkus-dist/$AP_KEYCLOAK_VERSION/keycloak-quarkus-dist-$AP_KEYCLOAK_VERSION.zip"
	ap_log "downloading keycloak-quarkus-dist $AP_KEYCLOAK_VERSION from Maven Central, about 165 MB (log: $AP_CACHE/mvn.log)"
	mvn --batch-mode -Dmaven.repo.local="$repo" dependency:get \
		-Dartifact="org.keycloak:keycloak-quarkus-dist:$AP_KEYCLOAK_VERSION:zip" -Dtransitive=false \
		>"$AP_CACHE/mvn.log" 2>&1 ||
		ap_die "mvn dependency:get of keycloak-quarkus-dist $AP_KEYCLOAK_VERSION failed; see $AP_CACHE/mvn.log"
	# Unpack next to the final folder and rename, so that an interrupted
	# install leaves no folder that looks complete.
	unpack="$(mktemp -d "$AP_CACHE/keycloak-unpack.XXXXXX")"
	if ! unzip -q "$zip" -d "$unpack"; then
		rm -rf "$unpack"
		ap_die "unzip $zip failed"
	fi
	[ -x "$unpack/keycloak-$AP_KEYCLOAK_VERSION/bin/kc.sh" ] ||
		ap_die "$zip has no keycloak-$AP_KEYCLOAK_VERSION/bin/kc.sh; contents in $unpack"
	rm -rf "$AP_KEYCLOAK_HOME"
	mv "$unpack/keycloak-$AP_KEYCLOAK_VERSION" "$AP_KEYCLOAK_HOME"
	rm -rf "$unpack" "$(dirname "$zip")"
	ap_log "installed Keycloak $AP_KEYCLOAK_VERSION into $AP_KEYCLOAK_HOME"
}

ap_install_all() {
	ap_install_system
	ap_install_argilla
	ap_install_idp
}

# Print the version of each installed component.
ap_print_versions() {
	ap_log "versions: $(go version | cut -d' ' -f3)," \
		"redis $(redis-server --version | cut -d' ' -f3 | cut -d= -f2)," \
		"$(chromium --version 2>/dev/null | head -1)," \
		"node $(node --version)," \
		"argilla-server $("$AP_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("argilla-server"))')," \
		"oidc-provider $(node -p "require('$AP_CACHE/idp/node_modules/oidc-provider/package.json').version")"
}

# Create the run directory that contains the pids, logs and data of this run.
ap_init_run_dir() {
	AP_RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/authproxy-run.XXXXXX")"
	mkdir -p "$AP_RUN_DIR/pids" "$AP_RUN_DIR/logs" "$AP_RUN_DIR/bin"
	export AP_RUN_DIR
}

# Print a TCP port on 127.0.0.1 that is free now. Another process can take it
# before the caller binds it, which is unlikely on a test machine.
ap_free_port() {
	"$AP_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Usage: ap_free_ports N. Print N distinct TCP ports on 127.0.0.1 that are
# free now, one a line. The ports are held open together while they are
# chosen, so none repeats. Another process can still take one before the
# caller binds it.
ap_free_ports() {
	"$AP_PYTHON" -c 'import socket, sys
sockets = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    sockets.append(s)
for s in sockets:
    print(s.getsockname()[1])' "$1"
}

# Print the recorded pid of the server, or nothing when it has none yet.
ap_pid_of() {
	cat "$AP_RUN_DIR/pids/$1.pid" 2>/dev/null || true
}

ap_record_pid() {
	echo "$2" >"$AP_RUN_DIR/pids/$1.pid"
	AP_STARTED+=("$1")
}

# Wait until the command succeeds, for at most $AP_START_TIMEOUT seconds, and
# fail early when the server's process exits.
# Usage: ap_wait_until NAME COMMAND...
ap_wait_until() {
	local name="$1"
	shift
	local deadline=$((SECONDS + AP_START_TIMEOUT))
	local pid
	while [ "$SECONDS" -lt "$deadline" ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		pid="$(ap_pid_of "$name")"
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$AP_RUN_DIR/logs/$name.log" >&2 2>/dev/null
			ap_die "$name (pid $pid) exited during start-up; log: $AP_RUN_DIR/logs/$name.log"
		fi
		sleep 0.2
	done
	tail -n 30 "$AP_RUN_DIR/logs/$name.log" >&2 2>/dev/null
	ap_die "$name timed out: no response within ${AP_START_TIMEOUT}s; log: $AP_RUN_DIR/logs/$name.log"
}

ap_http_ok() {
	curl -fsS -o /dev/null --max-time 2 "$1"
}

# Stop one server by its recorded pid: SIGTERM, then SIGKILL after 10 s.
# When the server leads its own process group, as Keycloak does, the
# signals go to that group, so that the server's children stop with it.
ap_stop() {
	local name="$1" pid target i
	pid="$(ap_pid_of "$name")"
	[ -n "$pid" ] || return 0
	target="$pid"
	if [ "$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')" = "$pid" ]; then
		target="-$pid"
	fi
	if kill -0 -- "$target" 2>/dev/null; then
		kill -TERM -- "$target" 2>/dev/null
		for i in $(seq 1 50); do
			kill -0 -- "$target" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 -- "$target" 2>/dev/null; then
			ap_log "$name (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
			kill -KILL -- "$target" 2>/dev/null
		fi
	fi
	rm -f "$AP_RUN_DIR/pids/$name.pid"
}

# Stop every started server, newest first.
ap_stop_all() {
	local i
	for ((i = ${#AP_STARTED[@]} - 1; i >= 0; i--)); do
		ap_stop "${AP_STARTED[$i]}"
	done
	AP_STARTED=()
}

# Usage: ap_start_redis PORT. Sets AP_REDIS_URL.
ap_start_redis() {
	local port="$1" pidfile="$AP_RUN_DIR/pids/redis.pid"
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize yes --pidfile "$pidfile" --dir "$AP_RUN_DIR" \
		--logfile "$AP_RUN_DIR/logs/redis.log" >/dev/null ||
		ap_die "redis-server failed to start; log: $AP_RUN_DIR/logs/redis.log"
	AP_STARTED+=(redis)
	ap_wait_until redis test -s "$pidfile"
	ap_wait_until redis redis-cli -h 127.0.0.1 -p "$port" ping
	AP_REDIS_URL="redis://127.0.0.1:$port/0"
	ap_log "redis on $AP_REDIS_URL (pid $(ap_pid_of redis))"
}

# Usage: ap_start_searchstub PORT. Sets AP_SEARCH_URL.
ap_start_searchstub() {
	local port="$1"
	(cd "$AP_REPO_ROOT" && go build -o "$AP_RUN_DIR/bin/searchstub" ./e2e/searchstub) ||
		ap_die "go build ./e2e/searchstub failed"
	"$AP_RUN_DIR/bin/searchstub" -addr "127.0.0.1:$port" >"$AP_RUN_DIR/logs/searchstub.log" 2>&1 &
	ap_record_pid searchstub $!
	AP_SEARCH_URL="http://127.0.0.1:$port"
	ap_wait_until searchstub ap_http_ok "$AP_SEARCH_URL/"
	ap_log "search-engine stand-in on $AP_SEARCH_URL (pid $(ap_pid_of searchstub))"
}

# Usage: ap_start_argilla PORT. Needs ap_start_redis and ap_start_searchstub
# first. Migrates a fresh SQLite database, creates the owner, starts the
# server and waits until it responds. Sets AP_ARGILLA_URL.
ap_start_argilla() {
	local port="$1" home="$AP_RUN_DIR/argilla-home"
	mkdir -p "$home"
	local -a argilla_env=(
		ARGILLA_HOME_PATH="$home"
		ARGILLA_REDIS_URL="$AP_REDIS_URL"
		ARGILLA_ELASTICSEARCH="$AP_SEARCH_URL"
		ARGILLA_SEARCH_ENGINE=elasticsearch
		ARGILLA_AUTH_SECRET_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
		HF_HUB_DISABLE_TELEMETRY=1
		HF_HUB_OFFLINE=1
	)
	env "${argilla_env[@]}" "$AP_VENV/bin/python" -m argilla_server database migrate \
		>"$AP_RUN_DIR/logs/argilla-migrate.log" 2>&1 ||
		ap_die "argilla database migrate failed; log: $AP_RUN_DIR/logs/argilla-migrate.log"
	env "${argilla_env[@]}" "$AP_VENV/bin/python" -m argilla_server database users create \
		--first-name Owner --username "$AP_ARGILLA_OWNER" --password "$AP_ARGILLA_OWNER_PASSWORD" \
		--role owner --api-key "$AP_ARGILLA_API_KEY" \
		>"$AP_RUN_DIR/logs/argilla-create-owner.log" 2>&1 ||
		ap_die "creating the Argilla owner failed; log: $AP_RUN_DIR/logs/argilla-create-owner.log"
	env "${argilla_env[@]}" "$AP_VENV/bin/python" -m argilla_server start --host 127.0.0.1 --port "$port" \
		>"$AP_RUN_DIR/logs/argilla.log" 2>&1 &
	ap_record_pid argilla $!
	AP_ARGILLA_URL="http://127.0.0.1:$port"
	# NOTE: /api/v1/status returns 422 with argilla-server 2.8.0 and the
	# Elasticsearch engine, because its response model rejects the client's
	# ObjectApiResponse as a dict. /api/v1/version needs only the web app.
	ap_wait_until argilla ap_http_ok "$AP_ARGILLA_URL/api/v1/version"
	ap_log "argilla-server on $AP_ARGILLA_URL (pid $(ap_pid_of argilla))"
}

# Usage: ap_start_idp PORT REDIRECT_URIS. REDIRECT_URIS is comma-separated.
# Sets AP_IDP_ISSUER.
ap_start_idp() {
	local port="$1" redirect_uris="$2"
	IDP_PORT="$port" IDP_CLIENT_ID="$AP_IDP_CLIENT_ID" IDP_CLIENT_SECRET="$AP_IDP_CLIENT_SECRET" \
		IDP_REDIRECT_URIS="$redirect_uris" IDP_LOG_FILE="$AP_RUN_DIR/logs/idp.log" \
		IDP_NODE_MODULES="$AP_CACHE/idp/node_modules" \
		node "$AP_REPO_ROOT/e2e/idp/server.mjs" >>"$AP_RUN_DIR/logs/idp.log" 2>&1 &
	ap_record_pid idp $!
	AP_IDP_ISSUER="http://127.0.0.1:$port"
	ap_wait_until idp ap_http_ok "$AP_IDP_ISSUER/.well-known/openid-configuration"
	ap_log "identity provider on $AP_IDP_ISSUER (pid $(ap_pid_of idp))"
}

# Print the callback URLs of a proxy on the port, for the origins
# http://localhost:PORT and http://127.0.0.1:PORT, comma-separated.
ap_callback_uris() {
	echo "http://localhost:$1/oauth/keycloak/callback,http://127.0.0.1:$1/oauth/keycloak/callback"
}

# Usage: ap_start_keycloak PORT REDIRECT_URIS. Starts Keycloak in
# development mode and returns without waiting. Its database is in memory,
# so each start begins empty. ap_wait_keycloak then waits for it and
# creates the realm. REDIRECT_URIS is comma-separated and becomes the
# client's exact list of redirect URIs. Needs ap_install_keycloak first.
ap_start_keycloak() {
	local port="$1" redirect_uris="$2"
	AP_KEYCLOAK_URL="http://127.0.0.1:$port"
	AP_KEYCLOAK_REALM_FILE="$AP_RUN_DIR/keycloak-realm.json"
	ap_write_keycloak_realm "$AP_KEYCLOAK_REALM_FILE" "$redirect_uris"
	AP_KEYCLOAK_START=$SECONDS
	# NOTE: Keycloaks started from one cache share $AP_KEYCLOAK_HOME/lib/quarkus,
	# which the first start after an install writes, and data/transaction-logs.
	# Two scripts/test runs at once on one cache are untested.
	# kc.sh runs java as its child, and java can take more than 10 s to obey
	# SIGTERM while Keycloak starts. SIGKILL to kc.sh alone would then leave
	# java running, so setsid makes kc.sh the leader of a new process group,
	# which ap_stop signals as a whole.
	KC_BOOTSTRAP_ADMIN_USERNAME="$AP_KEYCLOAK_ADMIN" KC_BOOTSTRAP_ADMIN_PASSWORD="$AP_KEYCLOAK_ADMIN_PASSWORD" \
		setsid "$AP_KEYCLOAK_HOME/bin/kc.sh" start-dev --db=dev-mem --http-host=127.0.0.1 --http-port="$port" \
		>"$AP_RUN_DIR/logs/keycloak.log" 2>&1 &
	ap_record_pid keycloak $!
	ap_log "keycloak starting on $AP_KEYCLOAK_URL (pid $(ap_pid_of keycloak), log: $AP_RUN_DIR/logs/keycloak.log)"
}

# Wait until the Keycloak of ap_start_keycloak responds, for at most
# $AP_KEYCLOAK_START_TIMEOUT seconds, then create the realm through the
# admin REST API. Sets AP_KEYCLOAK_ISSUER.
ap_wait_keycloak() {
	AP_START_TIMEOUT="$AP_KEYCLOAK_START_TIMEOUT" ap_wait_until keycloak \
		ap_http_ok "$AP_KEYCLOAK_URL/realms/master/.well-known/openid-configuration"
	ap_create_keycloak_realm "$AP_KEYCLOAK_REALM_FILE"
	AP_KEYCLOAK_ISSUER="$AP_KEYCLOAK_URL/realms/$AP_KEYCLOAK_REALM"
	ap_wait_until keycloak ap_http_ok "$AP_KEYCLOAK_ISSUER/.well-known/openid-configuration"
	ap_log "keycloak realm $AP_KEYCLOAK_ISSUER ready $((SECONDS - AP_KEYCLOAK_START))s after the start (pid $(ap_pid_of keycloak))"
}

# Usage: ap_write_keycloak_realm OUT REDIRECT_URIS. Writes e2e/keycloak/realm.json
# to OUT with the client $AP_KEYCLOAK_CLIENT_ID's secret and redirect URIs set.
ap_write_keycloak_realm() {
	local out="$1" redirect_uris="$2" template="$AP_REPO_ROOT/e2e/keycloak/realm.json"
	"$AP_PYTHON" - "$template" "$out" "$AP_KEYCLOAK_REALM" "$AP_KEYCLOAK_CLIENT_ID" \
		"$AP_KEYCLOAK_CLIENT_SECRET" "$redirect_uris" <<'PYTHON' || ap_die "could not write the Keycloak realm from $template"
import json, sys

template, out, realm_name, client_id, secret, redirect_uris = sys.argv[1:7]
with open(template) as f:
    realm = json.load(f)
if realm.get("realm") != realm_name:
    sys.exit(f"{template}: realm is {realm.get('realm')!r}, expected {realm_name!r}")
clients = [c for c in realm.get("clients", []) if c.get("clientId") == client_id]
if len(clients) != 1:
    sys.exit(f"{template}: expected one client with clientId {client_id!r}, found {len(clients)}")
clients[0]["secret"] = secret
clients[0]["redirectUris"] = [uri for uri in redirect_uris.split(",") if uri]
with open(out, "w") as f:
    json.dump(realm, f, indent=2)
PYTHON
}

# Usage: ap_create_keycloak_realm FILE. Creates the realm in FILE with the
# bootstrap admin's token, through POST /admin/realms.
ap_create_keycloak_realm() {
	local file="$1" token status response="$AP_RUN_DIR/logs/keycloak-create-realm.json"
	token="$(curl -fsS --max-time 30 \
		--data-urlencode grant_type=password --data-urlencode client_id=admin-cli \
		--data-urlencode "username=$AP_KEYCLOAK_ADMIN" --data-urlencode "password=$AP_KEYCLOAK_ADMIN_PASSWORD" \
		"$AP_KEYCLOAK_URL/realms/master/protocol/openid-connect/token" |
		"$AP_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')" ||
		ap_die "could not get an admin token from Keycloak at $AP_KEYCLOAK_URL; log: $AP_RUN_DIR/logs/keycloak.log"
	status="$(curl -sS --max-time 120 -o "$response" -w '%{http_code}' \
		-H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
		--data-binary "@$file" "$AP_KEYCLOAK_URL/admin/realms")" ||
		ap_die "POST $AP_KEYCLOAK_URL/admin/realms failed; log: $AP_RUN_DIR/logs/keycloak.log"
	[ "$status" = 201 ] ||
		ap_die "creating the Keycloak realm from $file returned HTTP $status, expected 201: $(head -c 1000 "$response")"
}
