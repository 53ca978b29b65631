# shellcheck shell=bash
# Install and run the real components that authproxy's end-to-end tests and
# scripts/dev need: Redis, a search-engine stand-in, argilla-server, an
# OpenID Connect provider and Chromium. Source this file from bash.
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
ap_stop() {
	local name="$1" pid i
	pid="$(ap_pid_of "$name")"
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			ap_log "$name (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null
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
