#!/usr/bin/env bash
# Runs sluice's whole test suite: go vet, then go test -race, with a
# throwaway PostgreSQL cluster so that the PostgreSQL tests run (and must
# pass) too. Installs PostgreSQL with apt-get if initdb is missing.
#
#   ./test.sh                 # everything
#   ./test.sh ./sqlite/...    # go test arguments replace ./...
set -euo pipefail
cd "$(dirname "$0")"

find_pg_bin() {
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(readlink -f "$(command -v initdb)")"
		return
	fi
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pgbin=$(find_pg_bin)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
	echo "test.sh: PostgreSQL not found; installing it with apt-get" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "test.sh: installing PostgreSQL needs root; install the 'postgresql' package and run again" >&2
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
	pgbin=$(find_pg_bin)
fi

# The cluster runs as an unprivileged user: PostgreSQL refuses to run as root.
tmp=$(mktemp -d /tmp/sluice-test-pg.XXXXXX)
chmod 755 "$tmp"
run_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	pguser=postgres
	id -u "$pguser" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pguser"
	chown "$pguser" "$tmp"
	run_pg() { runuser -u "$pguser" -- "$@"; }
fi

cleanup() {
	run_pg "$pgbin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

run_pg "$pgbin/initdb" -D "$tmp/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 ||
	{ cat "$tmp/initdb.log" >&2; exit 1; }
started=
for _ in 1 2 3 4 5 6 7 8 9 10; do
	port=$((20000 + RANDOM % 20000))
	if run_pg "$pgbin/pg_ctl" -D "$tmp/data" -l "$tmp/postgres.log" -w -t 60 \
		-o "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null 2>&1; then
		started=1
		break
	fi
done
if [ -z "$started" ]; then
	echo "test.sh: could not start PostgreSQL:" >&2
	cat "$tmp/postgres.log" >&2
	exit 1
fi

export SLUICE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
export SLUICE_TEST_POSTGRES_REQUIRED=1
echo "test.sh: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2

go vet ./...
go test -race -count=1 -timeout 30m "${@:-./...}"
