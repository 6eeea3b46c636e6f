#!/usr/bin/env bash
# Builds the addon (build/Release/distilbert_native.node) and the native bench with cmake-js.
# libtorch: Debian's libtorch-dev when installed; otherwise the PyTorch wheel found by python3
# (torch.utils.cmake_prefix_path), e.g. on CUDA machines. DBN_TORCH_CMAKE_PREFIX overrides both.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix="${DBN_TORCH_CMAKE_PREFIX:-}"
if [ -z "$prefix" ] && [ ! -d /usr/lib/x86_64-linux-gnu/cmake/Torch ]; then
  prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)
fi
args=(--CDCMAKE_BUILD_TYPE=Release)
[ -n "$prefix" ] && args+=("--CDCMAKE_PREFIX_PATH=$prefix")
exec node node_modules/cmake-js/bin/cmake-js compile --parallel "$(nproc)" "${args[@]}"
