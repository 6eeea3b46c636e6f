#!/usr/bin/env bash
# The harness's 1x16 warm-up, 3 calls vs 60 (BENCHMARKS, "The 1x16 per-call path", item 3):
# fresh processes of bench/sys-native.mjs then build/dbn_bench, 5 rounds; p50s and ratio.
#   bash bench/probes/warmup-ab.sh
cd "$(dirname "$0")/../.."
for r in 1 2 3 4 5; do
 for wu in 3 60; do
  a=$(node bench/sys-native.mjs --workloads fixtures/bench-workloads.json --shape 1x16 --workload encoder --model fixtures/random-base --threads 2 --warmup $wu --iters 30 --max-seconds 3 | grep -o '"p50_ms":[0-9.]*' | cut -d: -f2)
  b=$(build/dbn_bench --model fixtures/random-base --lengths 16 --threads 2 --warmup $wu --iterations 30 --workload encoder --owner-thread 1 | grep -o '"p50_ms":[0-9.]*' | cut -d: -f2)
  echo "round $r warmup $wu api $a dbn $b ratio $(echo "scale=3; $a/$b" | bc)"
 done
done
