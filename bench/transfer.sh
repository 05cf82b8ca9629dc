#!/usr/bin/env bash
# Cost of a cross-border export: the route decision (policy/route), and the
# cost of establishing the facts of an export of 1,000,000 records against
# a year-to-date counter that already holds 5,000,000 people (half of the
# export's people among them), and of counting and logging it, on SQLite
# and on a throwaway PostgreSQL. Prints the figures.
#
#   bench/transfer.sh                          # 1,000,000 records, 5,000,000 counted
#   BENCH_RECORDS=100000 BENCH_COUNTER=500000 COUNT=1 bench/transfer.sh
#
# Building each engine's fixture takes about a minute; COUNT (default 1)
# repeats the whole run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/postgres.sh
start_postgres

records=${BENCH_RECORDS:-1000000}
counter=${BENCH_COUNTER:-5000000}
out=$(mktemp)
trap 'rm -f "$out"; pg_cleanup' EXIT

echo "== route decision (policy/route BenchmarkRoute)" >&2
go test -run '^$' -bench 'BenchmarkRoute' -benchmem -count "${COUNT:-1}" ./policy/route/ | tee -a "$out" >&2
echo "== transfer facts and counting (bench BenchmarkTransfer)" >&2
BENCH_RECORDS=$records BENCH_COUNTER=$counter go test -run '^$' -bench 'BenchmarkTransfer' -benchtime 1x \
	-count "${COUNT:-1}" -timeout 60m ./bench/ | tee -a "$out" >&2

# median of the values before unit $2 on the lines matching $1
median() {
	awk -v pat="$1" -v unit="$2" '$1 ~ pat { for (i = 2; i <= NF; i++) if ($(i+1) == unit) print $i }' "$out" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "NaN"; exit } print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'
}
maxv() { awk -v pat="$1" -v unit="$2" '$1 ~ pat { for (i = 2; i <= NF; i++) if ($(i+1) == unit) print $i }' "$out" | sort -g | tail -1; }

printf '\nroute decision (median ns/op, most allocs/op over the routes)\n'
printf '  slowest route   %8s ns/op\n' "$(awk '$1 ~ /^BenchmarkRoute\// { for (i = 2; i <= NF; i++) if ($(i+1) == "ns/op") print $i }' "$out" | sort -g | tail -1)"
printf '  EXEMPT (all CN rules tried) %s ns/op, allocs/op %s (target < 1000 ns, 0 allocs)\n' \
	"$(median '^BenchmarkRoute/route=EXEMPT-' ns/op)" "$(maxv '^BenchmarkRoute/' allocs/op)"

printf '\nexport of %s records, counter holding %s people (median of runs)\n' "$records" "$counter"
printf '  %-10s %-7s %10s %14s\n' engine op seconds records/s
for engine in sqlite postgres; do
	for op in facts count; do
		ns=$(median "^BenchmarkTransfer/engine=$engine/op=$op-" ns/op)
		[ "$ns" = NaN ] && continue
		printf '  %-10s %-7s %10.2f %14.0f\n' "$engine" "$op" "$(awk -v n="$ns" 'BEGIN { print n / 1e9 }')" \
			"$(median "^BenchmarkTransfer/engine=$engine/op=$op-" records/s)"
	done
done
echo "  facts: read the records' subject keys, distinct people, counts against the counter, decide, store (CreateTransfer)"
echo "  count: add the people to the counter, re-decide, append the audit entry with its 1,000,000 keys (RecordExport)"
