#!/usr/bin/env bash
# PostgreSQL's own ceiling for the statements of a change recorded through
# sluice's group commit, on this machine, without sluice: pgbench runs
# transactions of 256 calls, each `SAVEPOINT; INSERT … RETURNING id` on a
# table shaped like orgs, sent as one round trip a call (as sluice's
# pipelined savepoint and statement are), with 1, 2 and 4 connections, and
# the same inserts without savepoints. Statements per second = tps × 256.
# No audit event is written: what sluice's change with its event costs
# (bench/auditlog-vs-tessera.sh, op=event) is above this.
#
#   bench/pg-ceiling.sh            # 8 s per run
#   SECS=20 bench/pg-ceiling.sh
#
# Uses SLUICE_TEST_POSTGRES if set, else starts a throwaway cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SLUICE_TEST_POSTGRES:-}" ]; then
	. scripts/postgres.sh
	start_postgres
fi
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
secs=${SECS:-8}
calls=256
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/psql" -q "$SLUICE_TEST_POSTGRES" -c "DROP TABLE IF EXISTS pg_ceiling" \
	-c "CREATE TABLE pg_ceiling (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text UNIQUE, region text, created_at timestamptz)"
insert="INSERT INTO pg_ceiling (name, region, created_at) VALUES (md5(random()::text), 'CN', now()) RETURNING id;"
{
	echo "BEGIN;"
	for _ in $(seq "$calls"); do echo "SAVEPOINT w\\; $insert"; done
	echo "COMMIT;"
} >"$dir/savepoint.sql"
{
	echo "BEGIN;"
	for _ in $(seq "$calls"); do echo "$insert"; done
	echo "COMMIT;"
} >"$dir/plain.sql"

echo "load before: $(uptime)"
printf '%-12s %12s %12s\n' "connections" "savepoint/s" "plain/s"
for c in 1 2 4; do
	row=()
	for f in savepoint plain; do
		tps=$("$PG_BIN/pgbench" -n -M simple -c "$c" -j "$c" -T "$secs" -f "$dir/$f.sql" "$SLUICE_TEST_POSTGRES" 2>/dev/null |
			awk '/^tps/ {print $3}')
		row+=("$(awk -v t="$tps" -v n="$calls" 'BEGIN {printf "%.0f", t * n}')")
	done
	printf '%-12s %12s %12s\n' "$c" "${row[0]}" "${row[1]}"
done
echo "load after:  $(uptime)"
"$PG_BIN/psql" -q "$SLUICE_TEST_POSTGRES" -c "DROP TABLE pg_ceiling"
