#!/usr/bin/env bash
# Every GPU check in one call, for the lent CUDA machine (PyTorch 2.x wheel, transformers,
# CMake, ninja; no Node): run it through the device tool as
#   bash tools/gpu/device-check.sh            (writes everything under $OUT)
# with carry: [".gpu"] after `bash tools/gpu/prepare-carry.sh` here (a compressed Node binary,
# nlohmann-json, the node-api headers, node-addon-api, node-gyp-build, the tokenizer files).
# Steps: build the core, tools and addon against the wheel's libtorch; fixtures of every head;
# CUDA vs CPU and HF-transformers parity of every head (float32 within 1e-4, float16/bfloat16
# top-1 agreement); dbn_bench vs HF sdpa (fp16, bf16) and torch.compile on 1x16, 8x128,
# 64x128, 256x128 and mixed lengths; the Node API end to end (1x16 latency, embed throughput,
# public results vs CPU). DBN_DEVICE_CHECK_DEVICE=cpu runs the same steps on a CPU (a dry run
# of the script on a machine without a GPU; the HF steps are skipped without transformers).
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
OUT="${OUT:-$PWD/gpu-out}"; mkdir -p "$OUT"
exec > >(tee "$OUT/device-check.log") 2>&1
dev="${DBN_DEVICE_CHECK_DEVICE:-cuda}"
py=${PYTHON:-$(command -v python3)}
fails=0
step() { echo; echo "== $*"; }
note_fail() { fails=$((fails + 1)); echo "FAILED: $*"; }

step machine
date -u
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
$py -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())'
has_hf=0; $py -c 'import transformers; print("transformers", transformers.__version__)' && has_hf=1
if ! command -v node >/dev/null; then
  if [ -f .gpu/node.xz ]; then xz -dc .gpu/node.xz > /tmp/node && chmod +x /tmp/node && export PATH="/tmp:$PATH"; fi
fi
command -v node >/dev/null && echo "node $(node --version)" || echo "node: missing (the Node steps are skipped)"

step "build against this machine's libtorch"
TORCH_DIR=$($py -c 'import torch, os; print(os.path.dirname(torch.__file__))')
ABI=$($py -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
cmake_args=(-DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$root/.gpu/nlohmann")
if [ "${DBN_DEVICE_CHECK_SYSTEM_TORCH:-0}" != 1 ]; then
  cmake_args+=(-DDBN_TORCH_WHEEL_DIR="$TORCH_DIR" -DDBN_TORCH_CXX11_ABI="$ABI")
fi
targets=(dbn_bench dbn_heads_dump)
if command -v node >/dev/null && [ -d .gpu/node_modules/node-api-headers ]; then
  # The addon without cmake-js: what it passes on Linux is the node-api include directory.
  cmake_args+=(-DCMAKE_JS_VERSION=carried -DCMAKE_JS_INC="$root/.gpu/node_modules/node-api-headers/include")
  export NODE_PATH="$root/.gpu/node_modules"
  targets+=(dbn_addon)  # builds the engine library libdbn_engine-torch<X.Y>[-cuda].so too
fi
t0=$(date +%s)
cmake -S . -B build-gpu "${gen[@]}" "${cmake_args[@]}" > "$OUT/cmake.log" 2>&1 || { tail -30 "$OUT/cmake.log"; exit 1; }
cmake --build build-gpu -j "$(nproc)" --target "${targets[@]}" > "$OUT/build.log" 2>&1 || { grep -E "error" "$OUT/build.log" | head -30; exit 1; }
echo "built ${targets[*]} in $(( $(date +%s) - t0 )) s"

step fixtures
export DBN_SHARED_DATA="${DBN_SHARED_DATA:-$root/.gpu/shared-data}"
fx=/tmp/dbn-gpu-fx
$py tools/model/make-fixture.py --out $fx/perf-mlm --size base --seed 0 >/dev/null
for a in masked-lm sequence-classification token-classification question-answering base; do
  $py tools/model/make-fixture.py --out $fx/$a --arch $a --seed 3 >/dev/null
done
$py tools/model/make-fixture.py --out $fx/base-encoder --size base --arch base --seed 0 >/dev/null

step "every head: $dev against the CPU and against HF transformers"
for a in masked-lm sequence-classification token-classification question-answering base; do
  texts=("Paris is the [MASK] of France." "Today is a [MASK] day, said [MASK] to the river.")
  [ $a = question-answering ] && texts=($'Where did she live?\tAda Lovelace lived in London in 1840.' $'Who?\tAda.')
  : > "$OUT/heads_$a.jsonl"
  for d in cpu "$dev"; do
    for dtype in float32 bfloat16 float16; do
      [ "$d" = cpu ] && [ "$dtype" != float32 ] && continue
      build-gpu/dbn_heads_dump $fx/$a "$d" $dtype "${texts[@]}" >> "$OUT/heads_$a.jsonl" 2>> "$OUT/heads_errors.log" \
        || echo "dbn_heads_dump $a $d $dtype: $(tail -1 "$OUT/heads_errors.log")"
    done
  done
  if [ "$has_hf" = 1 ]; then
    $py tools/gpu/hf-parity.py --model $fx/$a --oracle hf --device "$dev" "$OUT/heads_$a.jsonl" || note_fail "HF parity $a"
  else
    echo "transformers missing: parity against tools/model/reference.py instead"
    $py tools/gpu/hf-parity.py --model $fx/$a --oracle reference "$OUT/heads_$a.jsonl" || note_fail "reference parity $a"
  fi
done

step "throughput: dbn_bench against HF sdpa and torch.compile ($dev, base shape)"
mixed=$($py tools/gpu/hf-bench.py --model x --print-lengths mixed64)
shapes=(1x16 8x128 64x128 256x128 mixed64)
for dtype in float32 bfloat16 float16; do
  for shape in "${shapes[@]}"; do
    if [ "$shape" = mixed64 ]; then size=(--lengths "$mixed"); else size=(--batch "${shape%x*}" --seq "${shape#*x}"); fi
    build-gpu/dbn_bench --model $fx/base-encoder --device "$dev" --dtype $dtype "${size[@]}" --iterations 50 --warmup 5 \
      | sed "s/^{/{\"shape\":\"$shape\",/" || echo "{\"shape\":\"$shape\",\"dtype\":\"$dtype\",\"error\":\"dbn_bench failed\"}"
  done
done | tee "$OUT/bench_dbn.jsonl"
if [ "$has_hf" = 1 ]; then
  compile=(--compile); [ "${DBN_DEVICE_CHECK_COMPILE:-1}" = 0 ] && compile=()
  $py tools/gpu/hf-bench.py --model $fx/base-encoder --device "$dev" --shapes "$(IFS=,; echo "${shapes[*]}")" \
    --dtypes float16,bfloat16 "${compile[@]}" --seconds 2 > "$OUT/bench_hf.jsonl" || note_fail "hf-bench"
  cat "$OUT/bench_hf.jsonl"
fi

if command -v node >/dev/null && [ -f build-gpu/distilbert_native.node ]; then
  step "the Node API end to end ($dev)"
  # The package loads build/Release/distilbert_native.node, and the addon the engine library
  # beside it (found libtorch: the wheel, through python3); a dry run keeps the ones it has.
  if [ "$dev" != cpu ] || [ ! -f build/Release/distilbert_native.node ]; then
    mkdir -p build/Release && cp build-gpu/distilbert_native.node build-gpu/libdbn_engine-*.so build/Release/
  fi
  node tools/gpu/node-e2e.js $fx "$dev" 2 | tee "$OUT/node_e2e.jsonl" || note_fail "node e2e"
fi

step "done: $fails failed step(s)"
[ "$fails" -eq 0 ]
