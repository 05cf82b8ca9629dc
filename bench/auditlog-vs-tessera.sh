#!/usr/bin/env bash
# Audit log appends, sluice against Tessera's POSIX log, side by side on
# this machine: durable appends per second with 1, 8 and 64 concurrent
# writers, each waiting for its own append. sluice appends a change and
# its audit event in one transaction (BenchmarkAuditLog_Append, op=event),
# and an event alone (op=read: a read of records logged, what Tessera's
# appends are), on SQLite and on PostgreSQL; Tessera appends entries of
# the same size (bench/tessera, batches of up to 256). The runs alternate, Tessera then
# sluice's engines, so that both see the same load; the figures are
# medians, and the ratio is sluice's over Tessera's.
#
#   bench/auditlog-vs-tessera.sh              # 3 rounds of 10,000 appends
#   COUNT=5 APPENDS=20000 WRITERS="64" bench/auditlog-vs-tessera.sh
#   COUNT=1 APPENDS=40000 WRITERS="1024" bench/auditlog-vs-tessera.sh   # many appends in flight
#
# Uses SLUICE_TEST_POSTGRES if set, else starts a throwaway cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SLUICE_TEST_POSTGRES:-}" ]; then
	. scripts/postgres.sh
	start_postgres
fi

count=${COUNT:-3}
appends=${APPENDS:-10000}
writers=${WRITERS:-1 8 64}
batch=${BATCH:-256}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
(cd bench/tessera && go build -o "$bin/tessera" .)
go test -c -o "$bin/auditlog.test" ./auditlog/
out="$bin/out"
echo "load before: $(uptime)"
for round in $(seq "$count"); do
	for w in $writers; do
		"$bin/tessera" -n "$appends" -writers "$w" -batch "$batch" 2>/dev/null | tee -a "$out"
		for be in sqlite postgres; do
			(cd auditlog && SLUICE_BENCH_WRITERS="$w" "$bin/auditlog.test" -test.run '^$' -test.benchtime "${appends}x" \
				-test.bench "^BenchmarkAuditLog_Append\$/^backend=$be\$/^op=(event|read)\$/^writers=$w\$") |
				grep '^BenchmarkAuditLog_Append/' | tee -a "$out"
		done
	done
done
echo "load after: $(uptime)"

echo
awk -v ws="$writers" '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((n + 1) / 2)]
	}
	/^tessera-posix / {
		split($2, tw, "="); for (i = 1; i < NF; i++) if ($(i+1) == "entries/s") r["tessera," tw[2]] = r["tessera," tw[2]] " " $i
	}
	/^BenchmarkAuditLog_Append\// {
		name = $1; sub(/-[0-9]+$/, "", name); split(name, p, "/")
		k = substr(p[2], 9) "," substr(p[3], 4) "," substr(p[4], 9)
		for (i = 2; i < NF; i++) if ($(i+1) == "ops/s") r[k] = r[k] " " $i
	}
	END {
		print "Durable appends per second (median): Tessera POSIX; sluice, a change with its event and an event alone; sluice/Tessera"
		printf "  %-8s %9s %13s %13s %13s %13s %9s %9s %9s %9s\n", "writers", "tessera", "sqlite event", "sqlite alone", "pg event", "pg alone", "sq.ev/t", "sq.al/t", "pg.ev/t", "pg.al/t"
		n = split(ws, wl, " ")
		for (j = 1; j <= n; j++) {
			w = wl[j]; t = median(r["tessera," w])
			se = median(r["sqlite,event," w]); sa = median(r["sqlite,read," w])
			pe = median(r["postgres,event," w]); pa = median(r["postgres,read," w])
			if (t <= 0) t = 1e-9
			printf "  %-8s %9.0f %13.0f %13.0f %13.0f %13.0f %9.2f %9.2f %9.2f %9.2f\n", w, t, se, sa, pe, pa, se / t, sa / t, pe / t, pa / t
		}
	}' "$out"
