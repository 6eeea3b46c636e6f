#!/usr/bin/env bash
# `npm run bench`: the side-by-side benchmark (see BENCHMARKS.md). Prepares what it needs, each
# step skipped when already done, then runs bench/run.mjs with the given arguments
# (e.g. `npm run bench -- --quick`, `--systems distilbert-native,onnxruntime-node`).
#   1. bench-only deps in bench/node_modules (onnxruntime-node's postinstall would download CUDA
#      libraries; ONNXRUNTIME_NODE_INSTALL=skip keeps it to the CPU binaries in the tarball);
#   2. random base-shape weights, fixtures/random-base (tools/model/make-fixture.py, seed 0);
#   3. their ONNX export + transformers.js layout, fixtures/random-base-onnx (tools/model/export-onnx.py);
#   4. the inputs, fixtures/bench-workloads.json (bench/workloads.mjs).
# It does not build the package: run `bash scripts/build-native.sh && npx tsc -p tsconfig.json`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${DBN_PYTHON:-/usr/bin/python3}
MODEL=fixtures/random-base
ONNX=fixtures/random-base-onnx

[ -f dist/index.js ] || { echo "bench: dist/ missing; run: npx tsc -p tsconfig.json" >&2; exit 1; }
[ -f build/Release/distilbert_native.node ] || { echo "bench: addon missing; run: bash scripts/build-native.sh" >&2; exit 1; }
[ -x build/dbn_bench ] || echo "bench: build/dbn_bench missing; its rows will show an error" >&2

if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  (cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund)
fi
"$PY" tools/model/make-fixture.py --out "$MODEL" --size base --seed 0 >/dev/null
if [ ! -f "$ONNX/onnx/model.onnx" ] || [ ! -f "$ONNX/encoder/onnx/model.onnx" ] ||
   [ "$MODEL/model.safetensors" -nt "$ONNX/onnx/model.onnx" ] || [ tools/model/export-onnx.py -nt "$ONNX/onnx/model.onnx" ]; then
  "$PY" tools/model/export-onnx.py --model "$MODEL" --out "$ONNX"
fi
node bench/workloads.mjs "$MODEL" fixtures/bench-workloads.json >&2
exec node bench/run.mjs --model "$MODEL" --onnx "$ONNX" "$@"
