#!/usr/bin/env bash
# Everything a fresh Debian 12 machine needs, idempotent: system packages (libtorch, OpenBLAS,
# Python torch/numpy for fixtures and the reference), npm ci, the native build, the TS build.
set -euo pipefail
cd "$(dirname "$0")/.."

# libopenblas0-openmp: Debian's libtorch calls whatever libblas.so.3 is; without it that is the
# reference netlib BLAS (~6 GFLOP/s). clang + libclang-rt: the libFuzzer smoke runs.
packages=(cmake ninja-build g++ libtorch-dev libopenblas0-openmp libdnnl-dev nlohmann-json3-dev
          python3-torch python3-numpy clang libclang-rt-14-dev chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --ignore-scripts: this package's own install script (the native build for consumers without a
# prebuild) would run cmake-js under npm's environment, which configures differently from the
# build below and makes it start over. No dependency needs its install script here.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi
bash scripts/build-native.sh
npm run --silent build:ts   # tsc, the ES-module entry, the playground files into dist/server/playground
echo "setup: ready (addon: build/Release/distilbert_native.node, CLI: dist/cli/main.js)"
