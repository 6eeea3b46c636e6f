#!/usr/bin/env bash
# Fills .gpu/ (git-ignored) with what tools/gpu/device-check.sh needs on a GPU machine that has
# no Node and no internet: a compressed Node binary, nlohmann-json with its CMake config, the
# node-api headers, node-addon-api, node-gyp-build, and the real tokenizer files. About 15 MiB.
# It also builds dist/ (the Node steps run the compiled package).
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
rm -rf .gpu && mkdir -p .gpu/nlohmann/include .gpu/nlohmann/share/cmake .gpu/node_modules .gpu/shared-data
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" > .gpu/node.xz
# Debian's nlohmann-json3-dev, laid out as its CMake config expects (prefix/include, prefix/share/cmake).
cp -r /usr/include/nlohmann .gpu/nlohmann/include/
cp -r /usr/share/cmake/nlohmann_json .gpu/nlohmann/share/cmake/
for m in node-api-headers node-addon-api node-gyp-build; do cp -r node_modules/$m .gpu/node_modules/; done
shared="${DBN_SHARED_DATA:-$(cd .. && pwd)/shared/data/distilbert-base-uncased}"
cp "$shared"/{tokenizer.json,tokenizer_config.json,vocab.txt,config.json} .gpu/shared-data/
npm run --silent build:ts
du -sh .gpu
