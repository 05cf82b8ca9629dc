#!/usr/bin/env bash
# Ingest throughput: sluice (HTTP body to committed rows) against a raw
# prepared INSERT (SQLite) and COPY (PostgreSQL) of the same rows into the
# same engine, side by side. Prints rows/s and the ratio sluice/raw (and,
# for a local PostgreSQL, the CPU time its processes spent on each), then
# sluice with classification on ingest against sluice without it, and that
# ratio (BenchmarkIngestClassify; the target is 0.8x or better).
#
#   bench/ingest.sh               # 1,000,000 rows, 3 runs each
#   BENCH_ROWS=200000 COUNT=1 bench/ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/postgres.sh
start_postgres

rows=${BENCH_ROWS:-1000000}
out=$(mktemp)
BENCH_ROWS=$rows go test -run '^$' -bench 'BenchmarkIngest' -benchtime 1x -count "${COUNT:-3}" ./bench/ | tee "$out"

echo
echo "ingest of $rows rows of 8 text columns (median of runs, rows/s):"
awk '
	/^BenchmarkIngest\// {
		split($1, p, "/"); engine = p[2]; path = p[3]; sub(/-[0-9]+$/, "", path)
		for (i = 1; i <= NF; i++) {
			if ($(i+1) == "rows/s") v[engine "," path] = v[engine "," path] " " $i
			if ($(i+1) == "pg-cpu-ms/op") c[engine "," path] = c[engine "," path] " " $i
		}
	}
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((n + 1) / 2)]
	}
	END {
		split("engine=sqlite engine=postgres", es, " ")
		for (k = 1; k <= 2; k++) {
			e = es[k]
			if (!((e ",path=raw") in v)) continue
			raw = median(v[e ",path=raw"]); sl = median(v[e ",path=sluice"])
			printf "  %-16s raw %9.0f   sluice %9.0f   ratio %.2fx\n", substr(e, 8), raw, sl, sl / raw
		}
		# The CPU time the PostgreSQL cluster spent on the same rows: on a
		# shared machine it varies far less than the rates.
		e = "engine=postgres"
		if ((e ",path=raw") in c && (e ",path=sluice") in c) {
			raw = median(c[e ",path=raw"]); sl = median(c[e ",path=sluice"])
			printf "  %-16s raw %6.0f ms   sluice %6.0f ms   of PostgreSQL CPU time (sluice/raw %.2fx)\n", "postgres cpu", raw, sl, sl / raw
		}
	}' "$out"

echo
echo "ingest of $rows rows with classification on ingest, against without (median of runs, rows/s):"
awk '
	/^BenchmarkIngestClassify\// {
		split($1, p, "/"); engine = p[2]; mode = p[3]; sub(/-[0-9]+$/, "", mode)
		for (i = 1; i <= NF; i++) if ($(i+1) == "rows/s") v[engine "," mode] = v[engine "," mode] " " $i
	}
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((n + 1) / 2)]
	}
	END {
		split("engine=sqlite engine=postgres", es, " ")
		for (k = 1; k <= 2; k++) {
			e = es[k]
			if (!((e ",classify=off") in v)) continue
			off = median(v[e ",classify=off"]); on = median(v[e ",classify=on"])
			printf "  %-16s off %9.0f   on %9.0f   ratio %.2fx (target >= 0.8x)\n", substr(e, 8), off, on, on / off
		}
	}' "$out"
rm -f "$out"
