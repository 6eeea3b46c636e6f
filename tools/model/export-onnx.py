#!/usr/bin/python3
"""Export a DistilBERT masked-LM checkpoint to ONNX, laid out as a transformers.js local model.

Run with the Debian interpreter (torch 1.13 + numpy; no `onnx` Python package is needed):

    /usr/bin/python3 tools/model/export-onnx.py --model fixtures/random-base --out fixtures/random-base-onnx

Builds the same HF-named torch module as tools/model/export-torchscript.py (its build() is reused,
not copied) and writes two graphs with dynamic batch and sequence axes, inputs
`input_ids` + `attention_mask` (int64 [batch, sequence]):

  OUT/onnx/model.onnx          DistilBertForMaskedLM -> `logits` [batch, sequence, vocab]: the
                               standard export (as optimum / Xenova's conversions): the vocabulary
                               projection runs on EVERY token, not only on [MASK] rows.
  OUT/encoder/onnx/model.onnx  DistilBertModel -> `last_hidden_state` [batch, sequence, dim]: the
                               encoder alone, for a fair encoder-only comparison.

plus what transformers.js reads for a local model (env.localModelPath = dirname(OUT),
model id = basename(OUT)): OUT/config.json, OUT/tokenizer.json, OUT/tokenizer_config.json (the
source's, with the special tokens transformers.js looks up by name — mask_token etc. — added),
and the same three files under OUT/encoder/ (config architectures = DistilBertModel).

Check (default on; --no-check skips it): both graphs run in onnxruntime-node on a right-padded
batch whose shape differs from the export example (bench/ort-check.mjs; needs `npm ci` in
bench/, install with ONNXRUNTIME_NODE_INSTALL=skip), and the outputs at unpadded positions are
compared with tools/model/reference.py's float64 NumPy forward. Fails (exit 1) above --tol.
"""
import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ts = load_module("dbn_export_torchscript", "export-torchscript.py")

# What transformers.js' PreTrainedTokenizer reads by name from tokenizer_config.json (the Hub's
# distilbert-base-uncased file only has do_lower_case/model_max_length; Xenova's conversions add
# these). Values are the tokenizer.json added tokens.
TOKENIZER_CONFIG_EXTRA = {
    "tokenizer_class": "DistilBertTokenizer",
    "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]",
    "mask_token": "[MASK]", "unk_token": "[UNK]",
    "clean_up_tokenization_spaces": True,
}


def write_model_dir(src, dst, config):
    os.makedirs(os.path.join(dst, "onnx"), exist_ok=True)
    with open(os.path.join(dst, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    shutil.copyfile(os.path.join(src, "tokenizer.json"), os.path.join(dst, "tokenizer.json"))
    tok_cfg = {}
    src_cfg = os.path.join(src, "tokenizer_config.json")
    if os.path.exists(src_cfg):
        with open(src_cfg) as f:
            tok_cfg = json.load(f)
    for k, v in TOKENIZER_CONFIG_EXTRA.items():
        tok_cfg.setdefault(k, v)
    with open(os.path.join(dst, "tokenizer_config.json"), "w") as f:
        json.dump(tok_cfg, f, indent=2)


def export(module, path, output_name, opset, example):
    tmp = path + ".tmp"
    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"},
            output_name: {0: "batch", 1: "sequence"}}
    with torch.no_grad():
        torch.onnx.export(module, example, tmp, input_names=["input_ids", "attention_mask"],
                          output_names=[output_name], dynamic_axes=axes, opset_version=opset,
                          do_constant_folding=True)
    os.replace(tmp, path)
    print("export-onnx: wrote %s (%s, opset %d, %d bytes)" % (path, output_name, opset, os.path.getsize(path)))


def check(out_dir, cfg, weights, ref, rng, tol):
    script = os.path.join(ROOT, "bench", "ort-check.mjs")
    worst = 0.0
    with tempfile.TemporaryDirectory(prefix="dbn-onnx-check-") as tmp:
        for bsz, seq in ((3, 11), (1, 5)):  # neither equals the export example's shape
            ids, mask = ts.random_batch(rng, cfg, bsz, seq)
            h = ref.encoder(cfg, weights, ids, mask)
            want = {"model": ref.mlm_logits(weights, h), "encoder": h}
            for name, rel in (("model", "onnx/model.onnx"), ("encoder", "encoder/onnx/model.onnx")):
                req = os.path.join(tmp, "in.json")
                raw = os.path.join(tmp, "out.f32")
                with open(req, "w") as f:
                    json.dump({"input_ids": ids.tolist(), "attention_mask": mask.tolist()}, f)
                r = subprocess.run(["node", script, os.path.join(out_dir, rel), req, raw],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    raise SystemExit("export-onnx: onnxruntime-node check failed (%s):\n%s%s\n"
                                     "install the bench deps: (cd bench && ONNXRUNTIME_NODE_INSTALL=skip npm ci), "
                                     "or pass --no-check" % (" ".join(r.args), r.stdout, r.stderr))
                meta = json.loads(r.stdout.strip().splitlines()[-1])
                got = np.fromfile(raw, dtype="<f4").reshape(meta["dims"]).astype(np.float64)
                if got.shape != want[name].shape:
                    raise SystemExit("export-onnx: %s output %s, reference %s" % (rel, got.shape, want[name].shape))
                d = float(np.abs(got - want[name])[mask.astype(bool)].max())  # padded rows are meaningless
                worst = max(worst, d)
                print("check [%d,%d] %-24s %-17s max|onnxruntime - reference| = %.3e"
                      % (bsz, seq, rel, meta["output"], d))
    return worst


def main(argv=None):
    ap = argparse.ArgumentParser(description="Export a DistilBERT masked-LM checkpoint to ONNX (transformers.js layout).")
    ap.add_argument("--model", required=True, help="checkpoint directory (config.json + model.safetensors + tokenizer.json)")
    ap.add_argument("--out", help="output directory (default MODEL-onnx)")
    ap.add_argument("--opset", type=int, default=14, help="ONNX opset (torch 1.13 supports up to 17)")
    ap.add_argument("--seed", type=int, default=0, help="seed for the example and check inputs")
    ap.add_argument("--tol", type=float, default=1e-4, help="max abs difference allowed vs reference.py")
    ap.add_argument("--no-check", action="store_true", help="skip the onnxruntime-node check")
    args = ap.parse_args(argv)
    out = args.out or args.model.rstrip("/") + "-onnx"

    ref = ts.load_reference()
    cfg, weights = ref.load_checkpoint(args.model)
    if cfg["_head"] != "masked-lm":
        raise SystemExit("export-onnx: %s is %s; only DistilBertForMaskedLM checkpoints are exported"
                         % (args.model, cfg["_arch"]))
    torch.manual_seed(args.seed)
    mlm = ts.build(cfg, weights)
    rng = np.random.default_rng(args.seed)
    ex_ids, ex_mask = ts.random_batch(rng, cfg, 2, 8)
    example = (torch.from_numpy(ex_ids), torch.from_numpy(ex_mask))

    with open(os.path.join(args.model, "config.json")) as f:
        hf_config = json.load(f)
    write_model_dir(args.model, out, hf_config)
    write_model_dir(args.model, os.path.join(out, "encoder"), dict(hf_config, architectures=["DistilBertModel"]))
    export(mlm, os.path.join(out, "onnx", "model.onnx"), "logits", args.opset, example)
    export(mlm.distilbert, os.path.join(out, "encoder", "onnx", "model.onnx"), "last_hidden_state", args.opset, example)
    if args.no_check:
        print("export-onnx: check skipped (--no-check)")
        return 0
    worst = check(out, cfg, weights, ref, rng, args.tol)
    ok = worst <= args.tol
    print("max diff %.3e (tol %.0e): %s" % (worst, args.tol, "ok" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
