#!/usr/bin/env bash
# Start a development Keycloak on 127.0.0.1 with the test realm from
# e2e/keycloak/realm.json, for end-to-end tests.
#
#   scripts/keycloak.sh start    # installs on first use, waits until ready
#   scripts/keycloak.sh stop     # stops the process started by "start"
#
# Environment: KEYCLOAK_VERSION (default 26.5.6), KEYCLOAK_PORT (default
# 18080), AUTHPROXY_CACHE (default ~/.cache/authproxy), where the
# distribution, its data, the log and the pid file live.
set -euo pipefail

version=${KEYCLOAK_VERSION:-26.5.6}
port=${KEYCLOAK_PORT:-18080}
cache=${AUTHPROXY_CACHE:-$HOME/.cache/authproxy}
home=$cache/keycloak-$version
pidfile=$cache/keycloak.pid
log=$cache/keycloak.log
repo=$(cd "$(dirname "$0")/.." && pwd)

install() {
	if [ -x "$home/bin/kc.sh" ]; then
		return
	fi
	mkdir -p "$cache"
	# Maven Central serves the distribution as a zip artifact.
	mvn -q dependency:get -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:zip" -Dtransitive=false
	local zip=$HOME/.m2/repository/org/keycloak/keycloak-quarkus-dist/$version/keycloak-quarkus-dist-$version.zip
	unzip -q -o "$zip" -d "$cache"
}

start() {
	install
	if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "keycloak already running, pid $(cat "$pidfile")"
		return
	fi
	mkdir -p "$home/data/import"
	cp "$repo/e2e/keycloak/realm.json" "$home/data/import/argilla-realm.json"

	KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=admin-password \
		"$home/bin/kc.sh" start-dev --http-host 127.0.0.1 --http-port "$port" --import-realm \
		>"$log" 2>&1 &
	echo $! >"$pidfile"

	local discovery=http://127.0.0.1:$port/realms/argilla/.well-known/openid-configuration
	for _ in $(seq 1 180); do
		if curl -fs -o /dev/null "$discovery"; then
			echo "keycloak ready at http://127.0.0.1:$port/realms/argilla (pid $(cat "$pidfile"))"
			return
		fi
		if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
			echo "keycloak exited; see $log" >&2
			exit 1
		fi
		sleep 1
	done
	echo "keycloak not ready after 180 s; see $log" >&2
	exit 1
}

stop() {
	if [ -f "$pidfile" ]; then
		# kc.sh runs java as a child: end the whole process group's leader
		# and its children by pid.
		local pid
		pid=$(cat "$pidfile")
		pkill -TERM -P "$pid" 2>/dev/null || true
		kill "$pid" 2>/dev/null || true
		rm -f "$pidfile"
	fi
}

case ${1:-start} in
start) start ;;
stop) stop ;;
*)
	echo "usage: $0 start|stop" >&2
	exit 2
	;;
esac
