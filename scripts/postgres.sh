# Sourced by test.sh and the scripts in bench/: start_postgres starts a
# throwaway PostgreSQL cluster on a random loopback port in a temporary
# directory, as an unprivileged user, exports SLUICE_TEST_POSTGRES with its
# URL, and stops and removes it when the calling shell exits. It installs
# PostgreSQL with apt-get if initdb is missing.

find_pg_bin() {
	if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
		dirname "$(readlink -f "$(command -v initdb)")"
		return
	fi
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

start_postgres() {
	PG_BIN=$(find_pg_bin)
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
		echo "postgres.sh: PostgreSQL not found; installing it with apt-get" >&2
		if [ "$(id -u)" -ne 0 ]; then
			echo "postgres.sh: installing PostgreSQL needs root; install the 'postgresql' package and run again" >&2
			exit 1
		fi
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
		PG_BIN=$(find_pg_bin)
	fi

	# The cluster runs as an unprivileged user: PostgreSQL refuses to run as root.
	PG_TMP=$(mktemp -d /tmp/sluice-test-pg.XXXXXX)
	chmod 755 "$PG_TMP"
	run_pg() { "$@"; }
	if [ "$(id -u)" -eq 0 ]; then
		pguser=postgres
		id -u "$pguser" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$pguser"
		chown "$pguser" "$PG_TMP"
		run_pg() { runuser -u "$pguser" -- "$@"; }
	fi

	pg_cleanup() {
		run_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
		rm -rf "$PG_TMP"
	}
	trap pg_cleanup EXIT INT TERM

	run_pg "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1 ||
		{ cat "$PG_TMP/initdb.log" >&2; exit 1; }
	started=
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 20000))
		if run_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 \
			-o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null 2>&1; then
			started=1
			break
		fi
	done
	if [ -z "$started" ]; then
		echo "postgres.sh: could not start PostgreSQL:" >&2
		cat "$PG_TMP/postgres.log" >&2
		exit 1
	fi

	export SLUICE_TEST_POSTGRES="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	echo "postgres.sh: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
}
