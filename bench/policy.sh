#!/usr/bin/env bash
# Decision cost of governed sharing: sluice's built-in decision for one field
# of one record against the same rules in cedar-go (Authorize) and in OPA
# (Rego, prepared query), with 10 and 10,000 grants loaded; and the cost of
# the organisation-policy layer against a bare cedar-go Authorize.
#
#   bench/policy.sh              # 3 runs of each benchmark, 1s each
#   COUNT=6 BENCHTIME=2s bench/policy.sh
#
# The OPA comparison lives in its own module (bench/policy) so that sluice
# does not depend on OPA; its first build takes a few minutes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
count=${COUNT:-3}
benchtime=${BENCHTIME:-1s}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== sluice/policy: built-in decision and Cedar layer" >&2
(cd "$root" && go test -run '^$' -bench '^(BenchmarkDecide|BenchmarkCedar)$' \
	-benchtime "$benchtime" -count "$count" ./policy/) | tee "$out/policy.txt" >&2

echo "== bench/policy: built-in vs cedar-go vs OPA" >&2
(cd "$root/bench/policy" && go test -run '^$' -bench '^BenchmarkDecision$' \
	-benchtime "$benchtime" -count "$count" .) | tee "$out/engines.txt" >&2

# median ns/op of the benchmark lines whose name matches $1
median() {
	cat "$out"/*.txt | awk -v pat="$1" '$1 ~ pat { for (i = 2; i <= NF; i++) if ($(i+1) == "ns/op") print $i }' |
		sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "NaN"; exit } print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2 }'
}
allocs() {
	cat "$out"/*.txt | awk -v pat="$1" '$1 ~ pat { for (i = 2; i <= NF; i++) if ($(i+1) == "allocs/op") print $i }' | sort -g | tail -1
}

b10=$(median 'BenchmarkDecision/engine=builtin/grants=10-')
b10k=$(median 'BenchmarkDecision/engine=builtin/grants=10000-')
c10=$(median 'BenchmarkDecision/engine=cedar/grants=10-')
c10k=$(median 'BenchmarkDecision/engine=cedar/grants=10000-')
o10=$(median 'BenchmarkDecision/engine=opa/grants=10-')
o10k=$(median 'BenchmarkDecision/engine=opa/grants=10000-')
d10=$(median 'BenchmarkDecide/grants=10-')
d10k=$(median 'BenchmarkDecide/grants=10000-')
bare=$(median 'BenchmarkCedar/bare-authorize-')
layer=$(median 'BenchmarkCedar/layer-')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "NaN" }'; }
verdict() { awk -v r="$1" -v t="$2" -v op="$3" 'BEGIN { ok = (op == ">=") ? r >= t : r <= t; print ok ? "ok" : "MISSED" }'; }

printf '\nmedian ns/op (count=%s, benchtime=%s)\n' "$count" "$benchtime"
printf '  %-10s %12s %12s\n' engine grants=10 grants=10000
printf '  %-10s %12s %12s   allocs/op %s\n' built-in "$b10" "$b10k" "$(allocs 'BenchmarkDecision/engine=builtin')"
printf '  %-10s %12s %12s\n' cedar-go "$c10" "$c10k"
printf '  %-10s %12s %12s\n' opa "$o10" "$o10k"
printf '  %-10s %12s %12s   (sluice/policy BenchmarkDecide, allocs/op %s)\n' built-in "$d10" "$d10k" "$(allocs 'BenchmarkDecide/')"

printf '\nratios\n'
for n in 10 10000; do
	if [ $n = 10 ]; then b=$b10 c=$c10 o=$o10; else b=$b10k c=$c10k o=$o10k; fi
	r=$(ratio "$o" "$b"); printf '  OPA / built-in, grants=%-6s %8sx  (target >= 100x: %s)\n' $n "$r" "$(verdict "$r" 100 '>=')"
	r=$(ratio "$c" "$b"); printf '  cedar-go / built-in, grants=%-6s %5sx  (target >= 10x: %s)\n' $n "$r" "$(verdict "$r" 10 '>=')"
done
r=$(ratio "$b10k" "$b10"); printf '  built-in 10000 / 10 grants %11sx  (target flat, <= 1.5x: %s)\n' "$r" "$(verdict "$r" 1.5 '<=')"
r=$(ratio "$layer" "$bare"); printf '  Cedar layer / bare Authorize %9sx  (target <= 1.5x: %s)\n' "$r" "$(verdict "$r" 1.5 '<=')"
