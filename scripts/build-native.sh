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
# cmake-js from this package's tree or, in a consumer's project, wherever npm hoisted it.
cmake_js=$(node -p "require.resolve('cmake-js/bin/cmake-js', { paths: [process.cwd()] })")
exec node "$cmake_js" compile --parallel "$(nproc)" "${args[@]}"
