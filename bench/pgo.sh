#!/usr/bin/env bash
# bench/pgo.sh remakes cmd/sluice/default.pgo, the CPU profile that `go
# build ./cmd/sluice` uses for profile-guided optimisation. The profile
# merges the CPU profiles of what the binary spends its time on: a full
# scan of bench/scan.sh's CSV (one and two workers, and with a sector's
# catalogue), the classification tests (dev-set scans included), an ingest
# through the HTTP API with and without classification, and consumer and
# owner reads (SQLite). Remake it after large changes to those paths; an old
# profile still builds, it just guides less.
#
# Usage: bench/pgo.sh   (BENCH_DIR=/tmp/sluice-bench by default, as bench/scan.sh;
#                        BENCH_ROWS=300000 rows for the ingest)
# It takes a few minutes; it is a benchmark, not a test.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=${BENCH_DIR:-/tmp/sluice-bench}
CSV=$DIR/scan-bench.csv
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
mkdir -p "$DIR"

if [ ! -s "$CSV" ]; then
	echo "generating 1100 MB of CSV into $CSV ..."
	go run ./classify/internal/evalgen/cmd/evalgen -bench 1100 -o "$CSV"
fi

SLUICE_SCAN_FILE=$CSV go test ./scan -run '^$' -bench 'BenchmarkFile' -benchtime 1x -cpuprofile "$OUT/scan.prof" >/dev/null
go test ./classify -count 1 -cpuprofile "$OUT/classify.prof" >/dev/null
BENCH_ROWS=${BENCH_ROWS:-300000} go test ./bench -run '^$' -bench 'Ingest' -benchtime 1x -cpuprofile "$OUT/ingest.prof" >/dev/null 2>&1
go test ./bench -run '^$' -bench 'Read' -benchtime 1x -cpuprofile "$OUT/read.prof" >/dev/null 2>&1
go tool pprof -proto "$OUT/scan.prof" "$OUT/classify.prof" "$OUT/ingest.prof" "$OUT/read.prof" >cmd/sluice/default.pgo
echo "wrote cmd/sluice/default.pgo ($(stat -c %s cmd/sluice/default.pgo) bytes)"
