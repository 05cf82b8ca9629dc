#!/usr/bin/env bash
# Ingest throughput through one sluice serve and through two, each on its
# own stores on a throwaway PostgreSQL (cmd/sluice
# TestServe_ReplicaThroughput): rounds of 200 ingests of 200 rows by 8
# clients spread over the servers, alternating between the two set-ups.
# Prints each round, the medians and their ratio.
#
#   bench/replicas.sh
#   SLUICE_BENCH_ROUNDS=9 bench/replicas.sh
#
# On one machine the servers share its cores with PostgreSQL; the ratio
# says what a second server adds there, not on a second machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/postgres.sh
start_postgres
trap 'pg_cleanup' EXIT

SLUICE_BENCH_REPLICAS=1 SLUICE_TEST_POSTGRES_REQUIRED=1 go test -count=1 -run '^TestServe_ReplicaThroughput$' -v ./cmd/sluice/ |
	grep -E 'servers=[12]:|servers /' | sed -E 's/^ +//'
