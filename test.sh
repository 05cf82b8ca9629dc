#!/usr/bin/env bash
# Runs sluice's whole test suite: go vet, then go test -race, with a
# throwaway PostgreSQL cluster so that the PostgreSQL tests run (and must
# pass) too, and Chromium for the console's browser tests. Installs
# PostgreSQL and Chromium with apt-get if they are missing.
#
#   ./test.sh                 # everything
#   ./test.sh ./sqlite/...    # go test arguments replace ./...
set -euo pipefail
cd "$(dirname "$0")"

. scripts/postgres.sh
start_postgres
. scripts/chromium.sh
ensure_chromium
export SLUICE_TEST_POSTGRES_REQUIRED=1

go vet ./...
go test -race -count=1 -timeout 30m "${@:-./...}"
