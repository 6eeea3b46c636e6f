#!/usr/bin/env bash
# Installs the package as a stranger would and runs it: `npm pack`, then `npm install` of the
# tarball into an empty project with install scripts off (--ignore-scripts) and no compiler,
# make or cmake on PATH, then fill-mask and tokenize from the installed copy through require,
# import, the CLI and a TypeScript consumer (moduleResolution node16, nodenext, bundler); and
# with the engine library unloadable (libtorch hidden), tokenize still works and loadModel
# rejects DBN_NATIVE_UNAVAILABLE.
# Needs a built tree (tools/setup.sh) and the fixture checkpoint; builds the prebuild itself.
# With --source-build it also builds the addon from the installed tarball's sources (minutes).
# Ends with "N passed, N failed".   Usage: bash tools/check/pack-install.sh [--source-build] [MODEL_DIR]
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
source_build=0
if [ "${1:-}" = --source-build ]; then source_build=1; shift; fi
model="${1:-$root/fixtures/tiny-mlm-s1}"
[ -f "$model/config.json" ] || /usr/bin/python3 tools/model/make-fixture.py --out "$model" --seed 1 >/dev/null
shared="${DBN_SHARED_DATA:-$(cd .. && pwd)/shared/data/distilbert-base-uncased}"
pass=0; fail=0
check() {  # check NAME COMMAND...: one pass or fail, with the output shown on failure
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then pass=$((pass + 1)); echo "ok    $name"
  else fail=$((fail + 1)); echo "FAIL  $name"; echo "$out" | tail -n 20 | sed 's/^/      /'; fi
}

work=$(mktemp -d /tmp/dbn-pack.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "== prebuild and pack"
npm run --silent prebuildify >"$work/prebuild.log" 2>&1 || { echo "prebuildify failed"; tail -20 "$work/prebuild.log"; exit 1; }
tgz=$(npm pack --silent --pack-destination "$work" | tail -n 1)
tgz="$work/$tgz"
tar -tzf "$tgz" | sed 's#^package/##' | sort >"$work/contents.txt"
packed=$(stat -c %s "$tgz"); unpacked=$(tar -xzOf "$tgz" | wc -c)
echo "tarball: $(basename "$tgz"), $(( packed / 1024 )) KiB packed, $(( unpacked / 1024 )) KiB unpacked, $(wc -l <"$work/contents.txt") files"

contents_ok() {
  local bad
  bad=$(grep -E '^(tools|test|bench|examples|fixtures|native/bench|native/fuzz)/|\.map$|\.py$' "$work/contents.txt" || true)
  [ -z "$bad" ] || { echo "should not ship: $bad"; return 1; }
  for f in LICENSE README.md package.json dist/index.js dist/index.mjs dist/index.d.ts dist/index.d.mts \
           dist/cli/main.js CMakeLists.txt scripts/build-native.sh scripts/install.js native/core/distilbert.cc \
           native/engine/dbn_engine.h native/engine/engine_api.cc native/engine/engine.ver; do
    grep -qx "$f" "$work/contents.txt" || { echo "missing: $f"; return 1; }
  done
  grep -qE '^prebuilds/linux-x64/.+\.node$' "$work/contents.txt" || { echo "no linux-x64 prebuild"; return 1; }
  grep -qE '^prebuilds/linux-x64/libdbn_engine-torch[0-9.]+(-cuda)?\.so$' "$work/contents.txt" || { echo "no engine library in the prebuild"; return 1; }
}
check "tarball ships dist, prebuilds, build sources, LICENSE; no tools, tests, benches, maps" contents_ok

echo "== install into an empty project, scripts off, no compiler on PATH"
app="$work/app"; mkdir -p "$app/bin"
for t in node npm npx sh; do ln -s "$(command -v $t)" "$app/bin/$t"; done
nocc="$app/bin"   # only node, npm and sh: no cc, c++, make, cmake, python
(cd "$app" && printf '{"name":"consumer","version":"1.0.0","private":true}\n' >package.json)
install() {
  # @types/node: what a TypeScript consumer of a Node package has (the types name AbortSignal).
  (cd "$app" && PATH="$nocc" npm install --ignore-scripts --no-audit --no-fund --loglevel=error "$tgz" @types/node@20)
}
check "npm install --ignore-scripts of the tarball (PATH without compilers)" install
no_compiler() { for t in cc gcc c++ g++ clang make cmake; do PATH="$nocc" command -v $t && return 1; done; return 0; }
check "no compiler, make or cmake reachable during the runs" no_compiler
pkg_deps() {  # build tools are dev-only: a consumer does not get them
  for d in cmake-js node-addon-api node-api-headers; do [ ! -d "$app/node_modules/$d" ] || { echo "$d installed"; return 1; }; done
}
check "cmake-js, node-addon-api, node-api-headers not installed for the consumer" pkg_deps

# The reference: the same calls through the repository's own build.
expect_fill=$(node -e '
  const { loadModel } = require(process.argv[1]);
  loadModel(process.argv[2]).then(async (m) => { console.log(JSON.stringify(await m.fillMask("Paris is the [MASK] of France.", { topK: 3 }))); await m.dispose(); });' \
  "$root/dist/index.js" "$model")
expect_tok=$(node -e '
  const { loadTokenizer } = require(process.argv[1]);
  loadTokenizer(process.argv[2]).then((t) => console.log(JSON.stringify(t.encode("Hello, naïve world!").ids)));' "$root/dist/index.js" "$shared")

cat >"$app/run.cjs" <<'JS'
const { loadModel, loadTokenizer } = require('distilbert-native');
(async () => {
  const m = await loadModel(process.argv[2]);
  console.log(JSON.stringify(await m.fillMask('Paris is the [MASK] of France.', { topK: 3 })));
  await m.dispose();
  console.log(JSON.stringify((await loadTokenizer(process.argv[3])).encode('Hello, naïve world!').ids));
  console.log(require.resolve('distilbert-native'));
})();
JS
cat >"$app/run.mjs" <<'JS'
import { loadModel, loadTokenizer, DistilBertError } from 'distilbert-native';
const m = await loadModel(process.argv[2]);
console.log(JSON.stringify(await m.fillMask('Paris is the [MASK] of France.', { topK: 3 })));
await m.dispose();
console.log(JSON.stringify((await loadTokenizer(process.argv[3])).encode('Hello, naïve world!').ids));
console.log(typeof DistilBertError);
JS
same_as_repo() {  # same_as_repo FILE: its first two lines equal the repository build's answers
  local out; out=$(cd "$app" && PATH="$nocc" node "$1" "$model" "$shared") || { echo "$out"; return 1; }
  [ "$(echo "$out" | sed -n 1p)" = "$expect_fill" ] || { echo "fill-mask differs: $out"; return 1; }
  [ "$(echo "$out" | sed -n 2p)" = "$expect_tok" ] || { echo "tokenize differs: $out"; return 1; }
  echo "$out" | sed -n 3p
}
check "require('distilbert-native'): fill-mask and tokenize equal the repository build" same_as_repo run.cjs
check "import from 'distilbert-native' (ESM): the same answers" same_as_repo run.mjs
loads_prebuild() {  # the installed copy has no build/, so the addon came from prebuilds/
  [ ! -e "$app/node_modules/distilbert-native/build" ] || { echo "a build/ folder was installed"; return 1; }
}
check "the installed copy has no build/: the addon loaded is the prebuild" loads_prebuild
cli() {
  local out; out=$(cd "$app" && PATH="$nocc" npx --no-install distilbert-native fill-mask --model "$model" --top-k 3 --json 'Paris is the [MASK] of France.') || { echo "$out"; return 1; }
  [ "$out" = "[$expect_fill]" ] || [ "$out" = "$expect_fill" ] || { echo "CLI printed: $out, expected $expect_fill"; return 1; }
}
check "npx distilbert-native fill-mask --json from the installed copy" cli
engine_from_prebuild() {  # the engine library the installed copy loaded sits next to its addon
  local out; out=$(cd "$app" && PATH="$nocc" npx --no-install distilbert-native doctor --json) || { echo "$out"; return 1; }
  node -e '
    const { info } = JSON.parse(process.argv[1]); const dir = require("path").dirname(info.addon.path);
    if (!info.engine.loaded || require("path").dirname(info.engine.path) !== dir || !dir.endsWith("prebuilds/linux-x64")) { console.log(JSON.stringify(info)); process.exit(1); }' "$out"
}
check "doctor: addon and engine library both from the installed prebuilds/linux-x64" engine_from_prebuild
cat >"$app/hidden.cjs" <<'JS'
// libtorch hidden: the tokenizer works, a model rejects with what was searched.
const { loadModel, loadTokenizer } = require('distilbert-native');
(async () => {
  console.log(JSON.stringify((await loadTokenizer(process.argv[3])).encode('Hello, naïve world!').ids));
  const e = await loadModel(process.argv[2]).then(() => null, (err) => err);
  if (!e || e.code !== 'DBN_NATIVE_UNAVAILABLE' || !/no such directory.*apt-get install.*pip install torch/.test(e.message)) {
    console.log('loadModel did not reject as expected:', e && e.code, e && e.message);
    process.exit(1);
  }
})();
JS
without_libtorch() {
  local out; out=$(cd "$app" && PATH="$nocc" DBN_LIBTORCH=/nonexistent/libtorch node hidden.cjs "$model" "$shared") || { echo "$out"; return 1; }
  [ "$out" = "$expect_tok" ] || { echo "tokenize differs: $out"; return 1; }
  out=$(cd "$app" && PATH="$nocc" DBN_LIBTORCH=/nonexistent/libtorch npx --no-install distilbert-native tokenize --model "$shared" --json 'Hello, naïve world!') || { echo "$out"; return 1; }
  [ "$(node -e 'console.log(JSON.stringify(JSON.parse(process.argv[1]).ids))' "$out")" = "$expect_tok" ] || { echo "tokenize CLI printed: $out"; return 1; }
}
check "engine unloadable (DBN_LIBTORCH hidden): tokenize via require and the CLI work, loadModel rejects DBN_NATIVE_UNAVAILABLE" without_libtorch

echo "== TypeScript consumers"
ts_consumer() {  # ts_consumer RESOLUTION MODULE EXT
  local dir="$work/ts-$1"; mkdir -p "$dir"
  ln -sfn "$app/node_modules" "$dir/node_modules"
  cat >"$dir/main.$3" <<'TS'
import { loadModel, type FillMaskOutput, type LoadModelOptions, DistilBertError, type ErrorCode } from 'distilbert-native';
const options: LoadModelOptions = { threads: 1 };
export async function top(dir: string): Promise<string> {
  const model = await loadModel(dir, options);
  const out: FillMaskOutput = await model.fillMask('a [MASK]');
  await model.dispose();
  const code: ErrorCode = 'DBN_NO_MASK';
  return `${out[0]?.[0]?.token_str} ${code} ${DistilBertError.name}`;
}
TS
  printf '{"compilerOptions":{"strict":true,"noEmit":true,"module":"%s","moduleResolution":"%s","target":"ES2022","lib":["ES2022","ESNext.Disposable"],"types":["node"],"skipLibCheck":false},"files":["main.%s"]}\n' "$2" "$1" "$3" >"$dir/tsconfig.json"
  node "$root/node_modules/typescript/bin/tsc" -p "$dir/tsconfig.json"
}
check "tsc, moduleResolution node16 (CommonJS consumer)" ts_consumer node16 node16 cts
check "tsc, moduleResolution nodenext (ES-module consumer)" ts_consumer nodenext nodenext mts
check "tsc, moduleResolution bundler" ts_consumer bundler esnext ts
no_internal() {  # @internal members stay out of the published types
  ! grep -rn "@internal" "$app/node_modules/distilbert-native/dist" --include='*.d.ts'
}
check "published .d.ts files hold no @internal members" no_internal

if [ "$source_build" -eq 1 ]; then
  echo "== source build from the installed tarball (compilers on PATH again)"
  from_source() {
    (cd "$app" && npm install --no-audit --no-fund --loglevel=error --ignore-scripts cmake-js node-addon-api node-api-headers \
      && rm -rf node_modules/distilbert-native/prebuilds \
      && npm rebuild distilbert-native --build-from-source --foreground-scripts) >"$work/source-build.log" 2>&1 \
      || { tail -30 "$work/source-build.log"; return 1; }
    [ -f "$app/node_modules/distilbert-native/build/Release/distilbert_native.node" ] || { echo "no addon built"; return 1; }
    [ ! -e "$app/node_modules/distilbert-native/build/core_test" ] || { echo "dev targets were built"; return 1; }
    same_as_repo run.cjs
  }
  check "npm rebuild --build-from-source builds the addon from the tarball and answers the same" from_source
fi

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
