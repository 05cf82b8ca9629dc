#!/usr/bin/env bash
# Ingest throughput through one sluice serve and through two on the same
# throwaway PostgreSQL stores (cmd/sluice TestServe_ReplicaThroughput):
# 400 ingests of 200 rows by 8 clients spread over the servers. Prints
# ingests/s and rows/s for each, and the ratio.
#
#   bench/replicas.sh
#
# On one machine the servers share its cores with PostgreSQL; the ratio
# says what a second server adds there, not on a second machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/postgres.sh
start_postgres
trap 'pg_cleanup' EXIT

SLUICE_BENCH_REPLICAS=1 SLUICE_TEST_POSTGRES_REQUIRED=1 go test -count=1 -run '^TestServe_ReplicaThroughput$' -v ./cmd/sluice/ |
	grep -E 'servers=|servers /' | sed -E 's/^ +//'
