#!/usr/bin/env bash
# Read throughput of governed sharing: a consumer's de-identified,
# consent-filtered read through a grant against the owner's plain read of
# the same records, over HTTP on the embedded SQLite stores. Prints
# records/s and the ratio consumer/owner (target: at least 0.5).
#
#   bench/read.sh                                # 1,000,000 records, 3 reads of each
#   BENCH_ROWS=200000 BENCHTIME=2x bench/read.sh
set -euo pipefail
cd "$(dirname "$0")/.."

rows=${BENCH_ROWS:-1000000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
BENCH_ROWS=$rows go test -run '^$' -bench '^BenchmarkRead$' -benchtime "${BENCHTIME:-3x}" -count 1 -timeout 60m ./bench/ | tee "$out"

echo
echo "read of $rows records of 8 fields (records/s):"
awk '
	/^BenchmarkRead\// {
		name = $1; sub(/^BenchmarkRead\//, "", name); sub(/-[0-9]+$/, "", name)
		for (i = 1; i <= NF; i++) if ($(i+1) == "records/s") rate[name] = $i
	}
	END {
		owner = rate["path=owner"]
		printf "  %-32s %9.0f\n", "owner, plain", owner
		for (n in rate) {
			if (n == "path=owner") continue
			p = n; sub(/^path=consumer\//, "", p)
			printf "  %-32s %9.0f   ratio %.2fx\n", "consumer, de-identified, " p, rate[n], rate[n] / owner
		}
	}' "$out"
