#!/usr/bin/env bash
# The whole test suite from a fresh machine: set-up, native tests, vitest. Ends with one
# "N passed, N failed, N skipped" line totalling every suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
mkdir -p fixtures
shared="${DBN_SHARED_DATA:-$(cd .. && pwd)/shared/data/distilbert-base-uncased}"

native_pass=0; native_fail=0
run_native() {  # a test program (C++ binary or script) that ends with "N passed, N failed"
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  echo "$out" | tail -n 5
  local line; line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  local p f; p=$(echo "$line" | awk '{print $1}'); f=$(echo "$line" | awk '{print $3}')
  native_pass=$((native_pass + ${p:-0}))
  native_fail=$((native_fail + ${f:-0}))
  [ "$rc" -eq 0 ] || native_fail=$((native_fail + 1))
}
echo "== native: tokenizer golden vectors"
run_native build/native/tokenizer/tokenizer_golden_test "$shared"
echo "== native: caching allocator, packed attention"
run_native build/core_test

run_fuzz() {  # a short libFuzzer smoke (ASan + UBSan): one check, passed when it exits 0
  local name=$1; shift
  if "$@" > "fixtures/fuzz-smoke-$name.log" 2>&1; then
    native_pass=$((native_pass + 1))
    echo "fuzz smoke $name: clean ($(grep -hoE 'stat::number_of_executed_units: [0-9]+' "fixtures/fuzz-smoke-$name.log" | tail -n 1))"
  else
    native_fail=$((native_fail + 1))
    echo "fuzz smoke $name: FAILED"; tail -n 30 "fixtures/fuzz-smoke-$name.log"
  fi
}
echo "== fuzz smoke (libFuzzer, ASan + UBSan)"
run_fuzz tokenizer bash tools/check/fuzz-tokenizer.sh 20
run_fuzz model-files bash tools/check/fuzz-model-files.sh 20

echo "== examples/electron type-check (Electron itself cannot be downloaded here: not run)"
if (cd examples/electron && { [ -d node_modules/electron ] || npm ci --no-audit --no-fund --ignore-scripts >/dev/null; } && npx tsc -p tsconfig.json --noEmit); then
  native_pass=$((native_pass + 1)); echo "electron example: type-checks"
else
  native_fail=$((native_fail + 1)); echo "electron example: type-check FAILED"
fi

echo "== pack, install the tarball with --ignore-scripts and no compiler, run it"
run_native bash tools/check/pack-install.sh

# transformers.js (and onnxruntime-node) for the suite's side-by-side parity test; bench-only
# dependencies live in bench/'s private package.
if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  (cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error)
fi

echo "== vitest"
rc=0
npx vitest run --reporter=default --reporter=json --outputFile=fixtures/vitest-report.json || rc=$?
read -r vp vf vs < <(node -e '
  const r = require("./fixtures/vitest-report.json");
  console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTestSuites || 0), r.numPendingTests + r.numTodoTests);')
# A crash (or any error) that vitest did not attribute to a test still counts as a failure.
[ "$rc" -ne 0 ] && [ "$vf" -eq 0 ] && vf=1
echo
echo "$((vp + native_pass)) passed, $((vf + native_fail)) failed, ${vs} skipped"
[ "$rc" -eq 0 ] && [ "$native_fail" -eq 0 ]
