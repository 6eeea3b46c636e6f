#!/usr/bin/env bash
# Builds the libFuzzer harness for the C++ tokenizer with ASan + UBSan (Debian clang) and runs it.
#   tools/check/fuzz-tokenizer.sh [SECONDS] [extra libFuzzer flags...]   (default 60 s; CI smoke: 30)
# Env: DBN_FUZZ_DATA (dir with tokenizer.json + vocab.txt; default ../shared/data/distilbert-base-uncased),
#      CXX (default clang++), JOBS (parallel fuzz workers, default 1).
# Corpus: fixtures/fuzz-corpus (git-ignored), seeded with a few texts; crashes land in fixtures/fuzz-crashes.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
shift || true
CXX="${CXX:-clang++}"
out=build/fuzz
mkdir -p "$out" fixtures/fuzz-corpus fixtures/fuzz-crashes
export DBN_FUZZ_DATA="${DBN_FUZZ_DATA:-$(cd .. && pwd)/shared/data/distilbert-base-uncased}"
"$CXX" -std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=undefined -Inative \
  native/fuzz/tokenizer_fuzz.cc native/tokenizer/tokenizer.cc native/tokenizer/tokenizer_load.cc native/tokenizer/normalizer.cc \
  native/tokenizer/wordpiece.cc native/tokenizer/post_processor.cc -lpthread \
  -o "$out/tokenizer_fuzz"
i=0
for seed in "Hello, y'all! How are you 😁 ?" "a[MASK]b [SEP] naïve café" "中文 ÅÉ́̂ 𝅥𝅮" "x	y  z"; do
  # First byte picks the configuration and options (see native/fuzz/tokenizer_fuzz.cc).
  printf "\\x$(printf %02x $((i * 37 % 256)))%s" "$seed" > "fixtures/fuzz-corpus/seed$i"
  i=$((i + 1))
done
# Nesting-depth seeds (issue 10): bracket runs in text, as a hostile user would send them.
printf '\x11%s' "$(printf '[%.0s' $(seq 1 3000))$(printf ']%.0s' $(seq 1 3000))" > fixtures/fuzz-corpus/seed-deep-brackets
printf '\x31%s' "$(printf '{"a":%.0s' $(seq 1 500))" > fixtures/fuzz-corpus/seed-deep-json
parallel=()
prefix=.
if [ "${JOBS:-1}" -gt 1 ]; then
  # libFuzzer's -jobs mode writes fuzz-N.log files into the working directory: keep them in build/.
  parallel=(-jobs="$JOBS" -workers="$JOBS")
  cd "$out"
  prefix=../..
fi
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$prefix/$out/tokenizer_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 \
  "${parallel[@]}" -artifact_prefix="$prefix/fixtures/fuzz-crashes/" -print_final_stats=1 \
  "$@" "$prefix/fixtures/fuzz-corpus"
