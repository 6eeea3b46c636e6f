#!/usr/bin/env bash
# All GPU checks in one run, for a CUDA machine that has a PyTorch 2.x wheel but maybe no Node:
# builds the core + native tools against the wheel's libtorch, checks fill-mask parity on CPU
# and CUDA against the float64 reference, and benchmarks the encoder on both devices.
# Needs (carried from a dev machine, see BENCHMARKS.md): .cache/nlohmann (header-only
# nlohmann-json with its CMake config) and .cache/shared-data (tokenizer files + config.json).
# Writes everything to $OUT (default ./gpu-out).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$PWD/gpu-out}"
mkdir -p "$OUT"
exec > >(tee "$OUT/gpu-check.log") 2>&1
py=$(command -v python3)
echo "== machine"
date -u
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
for t in node cmake g++ ninja; do printf '%s: %s\n' "$t" "$(command -v $t || echo missing)"; done
$py -c 'import torch, sys; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(), "abi", int(torch._C._GLIBCXX_USE_CXX11_ABI))'
$py -c 'import numpy; print("numpy", numpy.__version__)' || echo "numpy missing"
TORCH_DIR=$($py -c 'import torch, os; print(os.path.dirname(torch.__file__))')
ABI=$($py -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))')

echo "== build (core + tools against the wheel's libtorch)"
gen=(); command -v ninja >/dev/null && gen=(-G Ninja)
t0=$(date +%s)
cmake -S . -B build-gpu "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DDBN_TORCH_WHEEL_DIR="$TORCH_DIR" \
  -DDBN_TORCH_CXX11_ABI="$ABI" -DCMAKE_PREFIX_PATH="$PWD/.cache/nlohmann" > "$OUT/cmake.log" 2>&1 \
  || { tail -30 "$OUT/cmake.log"; exit 1; }
cmake --build build-gpu -j "$(nproc)" --target dbn_bench dbn_fill_mask > "$OUT/build.log" 2>&1 \
  || { grep -E "error" "$OUT/build.log" | head -30; exit 1; }
echo "built in $(( $(date +%s) - t0 )) s"

echo "== fixtures"
export DBN_SHARED_DATA="$PWD/.cache/shared-data"
$py tools/model/make-fixture.py --out /tmp/dbn-fx/base --size base --seed 0
$py tools/model/make-fixture.py --out /tmp/dbn-fx/tiny --seed 1

echo "== fill-mask parity vs float64 reference"
texts=("Paris is the [MASK] of France." "Today is a [MASK] day!" "The [MASK] sat on the [MASK], then [MASK] away.")
for fx in tiny base; do
  for dev in cpu cuda; do
    build-gpu/dbn_fill_mask /tmp/dbn-fx/$fx $dev 10 "${texts[@]}" > "$OUT/fill_${fx}_${dev}.jsonl" || echo "dbn_fill_mask $fx $dev failed"
  done
  $py tools/gpu/device-parity.py /tmp/dbn-fx/$fx "$OUT/fill_${fx}_cpu.jsonl" "$OUT/fill_${fx}_cuda.jsonl"
done
echo "== bfloat16 on CUDA: top-1 agreement with the float32 reference (informational)"
DBN_DTYPE=bfloat16 build-gpu/dbn_fill_mask /tmp/dbn-fx/base cuda 10 "${texts[@]}" > "$OUT/fill_base_cuda_bf16.jsonl" || true
$py tools/gpu/device-parity.py /tmp/dbn-fx/base "$OUT/fill_base_cuda_bf16.jsonl" || true

echo "== encoder / fill-mask benchmark (base shape)"
for dev in cuda cpu; do
  for dtype in float32 bfloat16; do
    [ "$dev" = cpu ] && [ "$dtype" = bfloat16 ] && continue
    for shape in 1x16 8x128 32x128; do
      b=${shape%x*}; s=${shape#*x}
      it=50; [ "$dev" = cpu ] && it=10
      build-gpu/dbn_bench --model /tmp/dbn-fx/base --device $dev --dtype $dtype --batch $b --seq $s --iterations $it --warmup 3
    done
    build-gpu/dbn_bench --model /tmp/dbn-fx/base --device $dev --dtype $dtype --batch 32 --seq 128 --iterations 10 --warmup 2 --workload fill-mask
  done
done | tee "$OUT/bench.jsonl"
echo "== done"
