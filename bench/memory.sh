#!/usr/bin/env bash
# Peak memory of sluice serve while it ingests large rows: a zstd Parquet
# file of very compressible ~900 KiB rows in one row group (about 6 MB on
# disk, GBs decoded) and a CSV file of ~1 MiB rows. Prints each file's
# size and the server's peak RSS (VmHWM) during each ingest; the target
# is 300 MB. The files are made in a temporary directory and removed.
#
#   bench/memory.sh                                  # 7,500 Parquet rows, 1,000 CSV rows
#   PARQUET_ROWS=1500 CSV_ROWS=300 bench/memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
go build -o "$tmp/sluice" ./cmd/sluice
go run ./bench/memfiles -parquet "$tmp/big.parquet" -parquet-rows "${PARQUET_ROWS:-7500}" \
	-csv "$tmp/wide.csv" -csv-rows "${CSV_ROWS:-1000}"
export SLUICE_DATA_DIR="$tmp/data" SLUICE_REGIONS=CN
"$tmp/sluice" org create --name mem --region CN >/dev/null
key=$("$tmp/sluice" key create --org mem --role owner)

measure() { # file format
	"$tmp/sluice" serve --addr 127.0.0.1:0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
	pid=$!
	until grep -q 'serving on' "$tmp/serve.out" 2>/dev/null; do sleep 0.1; done
	url=$(sed -n 's/.*serving on \(http:[^ ]*\).*/\1/p' "$tmp/serve.out")
	ds=$(curl -s -H "Authorization: Bearer $key" -d "{\"name\":\"m$2\",\"purpose\":\"memory\",\"subject_field\":\"phone\"}" "$url/v1/datasets" | sed 's/.*"id":\([0-9]*\).*/\1/')
	start=$(date +%s)
	code=$(curl -s -o "$tmp/ingest.out" -w '%{http_code}' -H "Authorization: Bearer $key" --data-binary "@$1" "$url/v1/datasets/$ds/records?format=$2")
	secs=$(( $(date +%s) - start ))
	hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
	kill -TERM "$pid"; wait "$pid" || true; pid=
	printf '%-8s %10s bytes on disk: HTTP %s in %ss, peak RSS %d MB\n' "$2" "$(stat -c %s "$1")" "$code" "$secs" $(( hwm / 1024 ))
	[ "$code" = 201 ] || cat "$tmp/ingest.out"
}
measure "$tmp/big.parquet" parquet
measure "$tmp/wide.csv" csv
