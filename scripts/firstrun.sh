#!/usr/bin/env bash
# First run, as the README tells it: init a data directory, start the
# server, ingest a CSV, scan a folder, share fields through a grant and
# read through it, with sluice's CLI alone.
#
#   scripts/firstrun.sh [path/to/sluice]
#
# It works in a fresh temporary directory and removes it (and stops the
# server it started) on exit. cmd/sluice's TestFirstRun runs it against
# the binary it builds.
set -euo pipefail

SLUICE=${1:-sluice}
SLUICE=$(command -v "$SLUICE" || echo "$SLUICE")
work=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
step() { printf '\n== %s\n' "$*"; }

step "1. Make a data directory"
"$SLUICE" version
"$SLUICE" init --data-dir data --regions CN,EU
export SLUICE_DATA_DIR=$work/data

step "2. Orgs and their API keys (offline, on the data directory)"
"$SLUICE" org create --name cn-rides --region CN --sector transport
"$SLUICE" org create --name cn-insure --region CN --sector finance
owner=$("$SLUICE" key create --org cn-rides --role owner)
consumer=$("$SLUICE" key create --org cn-insure --role consumer)

step "3. Start the server"
"$SLUICE" serve --addr 127.0.0.1:0 > serve.log 2>&1 &
server=$!
until grep -q '^sluice serving on ' serve.log; do
	kill -0 "$server" 2>/dev/null || { cat serve.log; exit 1; }
	sleep 0.1
done
export SLUICE_URL=$(sed -n 's/^sluice serving on //p' serve.log)
echo "serving on $SLUICE_URL"

step "4. Scan a folder before uploading anything"
mkdir exports
cat > exports/trips.csv <<'CSV'
trip_id,phone,name,fare
T1,13800138000,王伟,12.50
T2,13900139000,李娜,30.00
T3,13700137000,张敏,7.80
CSV
"$SLUICE" scan exports/

step "5. Create a dataset and ingest the CSV (as the owner)"
export SLUICE_KEY=$owner
dataset=$("$SLUICE" dataset create --name trips --purpose "bill trips" --subject-field phone --format csv | tail -1 | cut -d, -f1)
"$SLUICE" ingest --dataset "$dataset" exports/trips.csv
"$SLUICE" dataset fields "$dataset" --format table
# A new dataset is not shared with other orgs until its owner puts it in
# the sharing catalogue.
"$SLUICE" dataset catalog "$dataset" --sharing conditional \
	--justification "trips hold riders' phone numbers" --legal-basis "PIPL Arts. 13, 23" \
	--conditions "masked phone numbers only, after the owner's approval"

step "6. A consumer asks for fields; the owner approves"
SLUICE_KEY=$consumer "$SLUICE" purpose create --name claims --legal-basis contract --retention-days 30
grant=$(SLUICE_KEY=$consumer "$SLUICE" grant request --dataset "$dataset" --fields phone,fare \
	--purpose claims --justification "claims handling" --days 30 --json | sed -n 's/^  "id": \([0-9]*\),$/\1/p')
"$SLUICE" grant approve "$grant"

step "7. The consumer reads through the grant: phones masked"
SLUICE_KEY=$consumer "$SLUICE" decide --dataset "$dataset" --grant "$grant" --format table
SLUICE_KEY=$consumer "$SLUICE" read --dataset "$dataset" --grant "$grant" > read.jsonl
cat read.jsonl
grep -q '"phone":"138\*\*\*\*8000"' read.jsonl
[ "$(wc -l < read.jsonl)" -eq 3 ]

step "8. Verify the audit log"
"$SLUICE" verify --url "$SLUICE_URL/log" --log-key "$("$SLUICE" log key)" --entries

echo
echo "first run: OK"
