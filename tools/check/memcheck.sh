#!/usr/bin/env bash
# Valgrind memcheck of the native test binaries that run without libtorch (whose JIT'ed
# kernels valgrind cannot follow): the tokenizer golden test. libtorch-side code is covered by
# the ASan + UBSan fuzzers (tools/check/fuzz-*.sh) on the parsers it feeds.
#   bash tools/check/memcheck.sh     (needs a built tree: bash scripts/build-native.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
shared="${DBN_SHARED_DATA:-$(cd .. && pwd)/shared/data/distilbert-base-uncased}"
valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
  build/native/tokenizer/tokenizer_golden_test "$shared" 2>&1 | grep -E "ERROR SUMMARY|definitely lost|passed, .* failed"
