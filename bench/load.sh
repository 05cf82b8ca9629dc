#!/usr/bin/env bash
# Load and fault run of sluice serve on loopback (SQLite): rounds of 64
# and 256 concurrent clients mixing ingest, reads and decisions (req/s,
# p50/p99 and errors per endpoint); a flood of silent and slow sockets
# against /healthz; and rounds of kill -9 during ingest, each followed by
# the records acknowledged against those stored and sluice verify. Every
# round is bounded in count and time; nothing leaves 127.0.0.1.
#
#   bench/load.sh                                        # 64,256 clients, 10 s each, 3 kills, 2,000 sockets
#   CLIENTS=8,32 DURATION=3s KILLS=1 FLOOD=300 bench/load.sh
#
# The flood needs a file descriptor limit above FLOOD (ulimit -n).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/sluice" ./cmd/sluice
ulimit -n "$(( ${FLOOD:-2000} + 1024 ))" 2>/dev/null || true
go run ./bench/load -bin "$tmp/sluice" \
	-clients "${CLIENTS:-64,256}" -duration "${DURATION:-10s}" \
	-kills "${KILLS:-3}" -kill-after "${KILL_AFTER:-2s}" \
	-flood "${FLOOD:-2000}" -max-conns "${MAX_CONNS:-1024}" -flood-max-conns "${FLOOD_MAX_CONNS:-64}"
