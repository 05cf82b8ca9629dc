#!/usr/bin/env bash
# Audit log throughput and latency on SQLite and PostgreSQL: durable
# changes per second, each committed atomically with its audit event, with
# 1, 8 and 64 concurrent writers, against the same number of bare inserts
# (no event) through the same group commit, and events alone (a read
# logged; bench/auditlog-vs-tessera.sh sets them beside Tessera); and
# p50/p99 latency at a steady 1,000 operations per second, with and
# without the event.
#
#   bench/auditlog.sh                      # 3 runs each, medians
#   COUNT=1 APPENDS=20000 bench/auditlog.sh
#
# Uses SLUICE_TEST_POSTGRES if set, else starts a throwaway cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${SLUICE_TEST_POSTGRES:-}" ]; then
	. scripts/postgres.sh
	start_postgres
fi

count=${COUNT:-3}
appends=${APPENDS:-30000}
out=$(mktemp)
go test -run '^$' -bench 'BenchmarkAuditLog_Append' -benchtime "${appends}x" -count "$count" ./auditlog/ | tee "$out"
go test -run '^$' -bench 'BenchmarkAuditLog_Latency' -benchtime 3000x -count "$count" ./auditlog/ | tee -a "$out"

echo
awk '
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((n + 1) / 2)]
	}
	/^BenchmarkAuditLog_(Append|Latency)\// {
		name = $1; sub(/-[0-9]+$/, "", name)
		split(name, p, "/"); be = substr(p[2], 9); op = substr(p[3], 4); x = p[4]
		for (i = 2; i < NF; i++) {
			if ($(i+1) == "ops/s" && p[1] == "BenchmarkAuditLog_Append") tput[be "," op "," x] = tput[be "," op "," x] " " $i
			if ($(i+1) == "p50-ms") p50[be "," op] = p50[be "," op] " " $i
			if ($(i+1) == "p99-ms") p99[be "," op] = p99[be "," op] " " $i
		}
	}
	END {
		print "Durable appends per second (median), change + audit event vs bare insert, and events alone:"
		printf "  %-9s %-11s %12s %12s %7s %12s\n", "store", "writers", "with event", "bare", "ratio", "event alone"
		split("sqlite postgres", bes, " "); split("writers=1 writers=8 writers=64", ws, " ")
		for (b = 1; b <= 2; b++) for (w = 1; w <= 3; w++) {
			k = bes[b] ",event," ws[w]; kb = bes[b] ",bare," ws[w]
			if (!(k in tput)) continue
			e = median(tput[k]); r = median(tput[kb]); a = median(tput[bes[b] ",read," ws[w]])
			printf "  %-9s %-11s %12.0f %12.0f %7.2f %12.0f\n", bes[b], substr(ws[w], 9), e, r, e / r, a
		}
		print ""
		print "Latency per call at 1,000 calls/s (median of runs, ms):"
		printf "  %-9s %9s %9s %9s %9s %11s %11s\n", "store", "p50 event", "p50 bare", "p99 event", "p99 bare", "added p50", "added p99"
		for (b = 1; b <= 2; b++) {
			k = bes[b] ",event"; kb = bes[b] ",bare"
			if (!(k in p50)) continue
			e50 = median(p50[k]); b50 = median(p50[kb]); e99 = median(p99[k]); b99 = median(p99[kb])
			printf "  %-9s %9.2f %9.2f %9.2f %9.2f %11.2f %11.2f\n", bes[b], e50, b50, e99, b99, e50 - b50, e99 - b99
		}
	}' "$out"
rm -f "$out"
