#!/usr/bin/env bash
# libFuzzer + ASan + UBSan on the model-file parsers (native/fuzz/model_files_fuzz.cc).
#   bash tools/check/fuzz-model-files.sh [SECONDS]   (default 30; CI runs a short smoke)
# Seeds: a real safetensors header and config.json from a tiny fixture, written to
# fixtures/fuzz-model-files/seeds. Prints libFuzzer's final stats line; non-zero on a finding.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-30}"
out=fixtures/fuzz-model-files
mkdir -p "$out/seeds" "$out/corpus"
bin="$out/model_files_fuzz"
if [ ! -x "$bin" ] || [ -n "$(find native/core/safetensors.cc native/core/config.cc native/fuzz/model_files_fuzz.cc -newer "$bin")" ]; then
  clang++ -std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Inative native/fuzz/model_files_fuzz.cc native/core/safetensors.cc native/core/config.cc -o "$bin"
fi
# Seeds: byte 0 picks the parser (odd: safetensors, even: config). The safetensors seed is a
# small real file: the tiny fixture's header with the data section cut to two tensors.
/usr/bin/python3 - "$out/seeds" <<'PY'
import json, struct, sys, os
d = sys.argv[1]
hdr = {"__metadata__": {"format": "pt"},
       "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},
       "b": {"dtype": "BF16", "shape": [4], "data_offsets": [24, 32]}}
h = json.dumps(hdr, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
open(os.path.join(d, "st"), "wb").write(b"\x01" + struct.pack("<Q", len(h)) + h + bytes(32))
cfg = {"model_type": "distilbert", "architectures": ["DistilBertForSequenceClassification"], "dim": 32,
       "n_layers": 2, "n_heads": 4, "hidden_dim": 64, "vocab_size": 100, "max_position_embeddings": 64,
       "activation": "gelu", "id2label": {"0": "NEG", "1": "POS"}}
open(os.path.join(d, "cfg"), "wb").write(b"\x00" + json.dumps(cfg).encode())
# Nesting-depth seeds (issue 10): just over and far over the 64-level bound, in a config
# field and in a safetensors header, so mutations explore the depth check's edges.
for depth in (63, 65, 2000):
    deep = "[" * depth + '"distilbert"' + "]" * depth
    open(os.path.join(d, "cfg-deep%d" % depth), "wb").write(b"\x00" + ('{"model_type":%s,"dim":%s}' % (deep, deep.replace('"distilbert"', "1"))).encode())
    h = ('{"a":{"dtype":"F32","shape":%s,"data_offsets":[0,0]}}' % ("[" * depth + "0" + "]" * depth)).encode()
    open(os.path.join(d, "st-deep%d" % depth), "wb").write(b"\x01" + struct.pack("<Q", len(h)) + h)
# A string holding brackets must not count as nesting; an escaped quote must not end it.
open(os.path.join(d, "cfg-brackets"), "wb").write(b"\x00" + json.dumps({"model_type": "distilbert", "x": "[" * 200 + '\\"{'}).encode())
# Shapes at the dimension bound and past it ([0, 2^64-1] once gave DBN_INTERNAL).
for shape in ([0, 18446744073709551615], [2147483648, 0], [2147483649, 0]):
    h = json.dumps({"a": {"dtype": "F32", "shape": shape, "data_offsets": [0, 0]}}).encode()
    open(os.path.join(d, "st-shape%d" % shape[-1 if shape[0] == 0 else 0]), "wb").write(b"\x01" + struct.pack("<Q", len(h)) + h)
PY
ASAN_OPTIONS=detect_leaks=1 "$bin" "$out/corpus" "$out/seeds" -max_total_time="$seconds" -max_len=4096 \
  -print_final_stats=1 2>"$out/fuzz.log" || { tail -40 "$out/fuzz.log"; exit 1; }
grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$out/fuzz.log" | tail -2
