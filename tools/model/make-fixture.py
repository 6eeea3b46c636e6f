#!/usr/bin/python3
"""Write a random DistilBERT checkpoint in Hugging Face layout (GENERATED test fixture).

Run with the Debian interpreter (needs numpy; the `python3` on PATH may lack it):

    /usr/bin/python3 tools/model/make-fixture.py --out test/fixtures/tiny-mlm
    /usr/bin/python3 tools/model/make-fixture.py --out DIR --arch sequence-classification --num-labels 2
    /usr/bin/python3 tools/model/make-fixture.py --out DIR --size base --dtype BF16 --untied

Output directory contents:
  config.json            DistilBertConfig fields (as the Hub's distilbert-base-uncased config.json),
                         dim/n_layers/n_heads/hidden_dim set by --size, architectures by --arch,
                         id2label/label2id for the classification heads.
  model.safetensors      written by this script (no safetensors library): u64-LE header length,
                         compact JSON header ({"__metadata__":{"format":"pt"}, name:{dtype,shape,
                         data_offsets}}) padded with spaces to a multiple of 8, then the raw
                         little-endian tensors. Tensors are ordered like the Rust safetensors
                         library orders them (wider dtype first, so an I64 position_ids comes
                         first, then by name), and the header lists them in data order.
  tokenizer.json, vocab.txt, tokenizer_config.json   copied from ../shared/data/distilbert-base-uncased
  fixture.json           stamp with the generator arguments; a rerun with identical arguments into
                         the same directory does nothing.

Key layout follows the Hub: encoder keys carry the `distilbert.` prefix (drop it with --no-prefix,
which is what a bare DistilBertModel.save_pretrained writes); for masked-lm,
`vocab_projector.weight` is ABSENT by default because it is tied to
`distilbert.embeddings.word_embeddings.weight` (safetensors drops tied duplicates). --untied writes
it explicitly as an exact copy of the word embeddings, as in the Hub's pytorch_model.bin (Hugging
Face re-ties it on load anyway, so a different value would be ambiguous).

Random weight scale (numpy default_rng(seed); everything is drawn in float32 in a fixed key order,
so the same seed gives the same bytes on any machine):
  * nn.Linear weight  N(0, std=1/sqrt(fan_in)), bias N(0, 0.1). With unit-scale inputs every
    linear output is unit scale, so attention scores (q.k/sqrt(head_dim)) have std ~1: softmax
    is neither uniform nor saturated, and GELU sees values on both sides of 0.
  * LayerNorm weight 1+N(0,0.1), bias N(0,0.1): keeps each sub-layer output at unit scale,
    which is what keeps a randomly initialised stack well-conditioned in float32/float16.
  * word and position embeddings N(0, std=sqrt(32/dim)): exactly N(0,1) for the tiny size.
    The embedding LayerNorm is scale-invariant, so this scale only matters through the tied
    vocab_projector: MLM logits = h . E[v] + b[v] with unit-scale h have std ~ std_emb*sqrt(dim)
    = sqrt(32) ~ 5.7 at BOTH sizes (with plain N(0,1) the base size would have std ~28 and a
    top-1 probability of ~1.0, making top-k comparisons degenerate).
  * vocab_projector bias N(0,1).
  Result: MLM logits spread over a few units (std ~6), a top-1 probability well below 1 and
  clearly distinct top-k probabilities; classification/QA logits of order 1.
"""
import argparse
import json
import os
import shutil
import struct
import sys
import time

import numpy as np

GENERATOR_VERSION = 1
# The shared data folder sits beside the repository (../shared); DBN_SHARED_DATA overrides it.
SHARED = os.environ.get("DBN_SHARED_DATA") or os.path.normpath(os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "distilbert-base-uncased"))
TOKENIZER_FILES = ("tokenizer.json", "vocab.txt", "tokenizer_config.json")
SIZES = {
    "tiny": dict(dim=32, n_layers=2, n_heads=4, hidden_dim=64, max_position_embeddings=512),
    "base": dict(dim=768, n_layers=6, n_heads=12, hidden_dim=3072, max_position_embeddings=512),
}
VOCAB_SIZE = 30522
ARCHS = {
    "masked-lm": "DistilBertForMaskedLM",
    "sequence-classification": "DistilBertForSequenceClassification",
    "token-classification": "DistilBertForTokenClassification",
    "question-answering": "DistilBertForQuestionAnswering",
    "base": "DistilBertModel",
}


def encoder_specs(s):
    """(name, shape, kind) for the encoder, in Hugging Face module order, without prefix."""
    d, h = s["dim"], s["hidden_dim"]
    out = [("embeddings.word_embeddings.weight", (VOCAB_SIZE, d), "emb"),
           ("embeddings.position_embeddings.weight", (s["max_position_embeddings"], d), "emb"),
           ("embeddings.LayerNorm.weight", (d,), "ln_w"),
           ("embeddings.LayerNorm.bias", (d,), "ln_b")]
    for i in range(s["n_layers"]):
        p = "transformer.layer.%d." % i
        for lin in ("q_lin", "k_lin", "v_lin", "out_lin"):
            out += linear(p + "attention." + lin, d, d)
        out += layer_norm(p + "sa_layer_norm", d)
        out += linear(p + "ffn.lin1", d, h)
        out += linear(p + "ffn.lin2", h, d)
        out += layer_norm(p + "output_layer_norm", d)
    return out


def linear(name, fan_in, fan_out):
    return [(name + ".weight", (fan_out, fan_in), "lin_w"), (name + ".bias", (fan_out,), "lin_b")]


def layer_norm(name, d):
    return [(name + ".weight", (d,), "ln_w"), (name + ".bias", (d,), "ln_b")]


def head_specs(arch, d, num_labels):
    if arch == "masked-lm":
        return (linear("vocab_transform", d, d) + layer_norm("vocab_layer_norm", d)
                + [("vocab_projector.bias", (VOCAB_SIZE,), "proj_b")])
    if arch == "sequence-classification":
        return linear("pre_classifier", d, d) + linear("classifier", d, num_labels)
    if arch == "token-classification":
        return linear("classifier", d, num_labels)
    if arch == "question-answering":
        return linear("qa_outputs", d, 2)
    return []


def draw(rng, shape, kind, dim):
    if kind == "lin_w":
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(1.0 / np.sqrt(shape[1]))
    if kind in ("lin_b", "ln_b"):
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(0.1)
    if kind == "ln_w":
        return np.float32(1.0) + rng.standard_normal(shape, dtype=np.float32) * np.float32(0.1)
    if kind == "emb":
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(np.sqrt(32.0 / dim))
    if kind == "proj_b":
        return rng.standard_normal(shape, dtype=np.float32)
    raise ValueError(kind)


def label_names(arch, n):
    if arch == "token-classification":
        names = ["O"]
        for ent in ("PER", "LOC", "ORG", "MISC"):
            names += ["B-" + ent, "I-" + ent]
        return names[:n] if n <= len(names) else ["LABEL_%d" % i for i in range(n)]
    if n == 2:
        return ["NEGATIVE", "POSITIVE"]
    if n == 3:
        return ["negative", "neutral", "positive"]
    return ["LABEL_%d" % i for i in range(n)]


def to_dtype(a, dtype):
    """float32 array -> little-endian bytes of the requested safetensors dtype."""
    if dtype == "F32":
        return np.ascontiguousarray(a, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.ascontiguousarray(a.astype("<f2")).tobytes()
    # BF16: round-to-nearest-even on the top 16 bits (what torch's .to(bfloat16) does);
    # all values here are finite, so no NaN special case is needed.
    u = np.ascontiguousarray(a, dtype="<f4").view("<u4")
    r = ((u >> np.uint32(16)) & np.uint32(1)) + np.uint32(0x7FFF)
    return ((u + r) >> np.uint32(16)).astype("<u2").tobytes()


DTYPE_RANK = {"I64": 2, "F32": 1, "F16": 0, "BF16": 0}  # safetensors orders wider dtypes first


def write_safetensors(path, tensors):
    """tensors: list of (name, dtype, shape, bytes). Writes them in safetensors' own order."""
    tensors = sorted(tensors, key=lambda t: (-DTYPE_RANK[t[1]], t[0]))
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    hb = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hb)))
        f.write(hb)
        for _, _, _, data in tensors:
            f.write(data)
    os.replace(tmp, path)
    return 8 + len(hb) + offset


def make_config(args, size):
    with open(os.path.join(SHARED, "config.json")) as f:
        cfg = json.load(f)
    cfg.update(size)
    cfg["vocab_size"] = VOCAB_SIZE
    cfg["architectures"] = [ARCHS[args.arch]]
    if args.arch in ("sequence-classification", "token-classification"):
        names = label_names(args.arch, args.num_labels)
        cfg["id2label"] = {str(i): n for i, n in enumerate(names)}
        cfg["label2id"] = {n: i for i, n in enumerate(names)}
    return dict(sorted(cfg.items()))


def stamp_of(args):
    return {"generated_by": "tools/model/make-fixture.py (generated test fixture; do not edit)",
            "generator_version": GENERATOR_VERSION, "seed": args.seed, "size": args.size,
            "shape": sized(args),
            "arch": args.arch, "num_labels": args.num_labels, "dtype": args.dtype,
            "prefix": not args.no_prefix, "untied": args.untied,
            "with_position_ids": args.with_position_ids}


OWNED = ("config.json", "model.safetensors", "fixture.json") + TOKENIZER_FILES


def up_to_date(out, stamp):
    try:
        with open(os.path.join(out, "fixture.json")) as f:
            old = json.load(f)
    except (OSError, ValueError):
        return False
    return old == stamp and all(os.path.isfile(os.path.join(out, n)) for n in OWNED)


def sized(args):
    """The --size preset with any of --dim/--n-layers/--n-heads/--hidden-dim applied."""
    size = dict(SIZES[args.size])
    for key in ("dim", "n_layers", "n_heads", "hidden_dim"):
        if getattr(args, key) is not None:
            size[key] = getattr(args, key)
    return size


def main(argv=None):
    ap = argparse.ArgumentParser(description="Write a random Hugging Face DistilBERT checkpoint.")
    ap.add_argument("--out", required=True, help="output directory (created if missing)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", choices=sorted(SIZES), default="tiny")
    ap.add_argument("--dim", type=int, help="override the size's dim (any size: with --n-layers ...)")
    ap.add_argument("--n-layers", type=int, help="override the size's n_layers")
    ap.add_argument("--n-heads", type=int, help="override the size's n_heads")
    ap.add_argument("--hidden-dim", type=int, help="override the size's hidden_dim")
    ap.add_argument("--arch", choices=list(ARCHS), default="masked-lm")
    ap.add_argument("--num-labels", type=int, default=None,
                    help="labels for classification heads (default 3 seq-cls, 5 token-cls)")
    ap.add_argument("--dtype", choices=("F32", "F16", "BF16"), default="F32")
    ap.add_argument("--no-prefix", action="store_true", help="drop 'distilbert.' from encoder keys")
    ap.add_argument("--untied", action="store_true", help="write vocab_projector.weight explicitly")
    ap.add_argument("--with-position-ids", action="store_true",
                    help="add the int64 distilbert.embeddings.position_ids [1,512] buffer")
    args = ap.parse_args(argv)
    if args.num_labels is None:
        args.num_labels = {"sequence-classification": 3, "token-classification": 5}.get(args.arch)
    elif args.arch not in ("sequence-classification", "token-classification"):
        ap.error("--num-labels only applies to sequence-classification and token-classification")
    if args.num_labels is not None and args.num_labels < 1:
        ap.error("--num-labels must be >= 1")
    size = sized(args)
    if min(size.values()) < 1 or size["dim"] % size["n_heads"]:
        ap.error("sizes must be positive and dim divisible by n_heads")
    if args.untied and args.arch != "masked-lm":
        ap.error("--untied only applies to --arch masked-lm")

    out = args.out
    stamp = stamp_of(args)
    if up_to_date(out, stamp):
        print("make-fixture: %s is up to date (same arguments), nothing to do" % out)
        return 0
    t0 = time.time()
    os.makedirs(out, exist_ok=True)
    # Invalidate the stamp first so an interrupted run is never mistaken for a complete one,
    # and drop a TorchScript export derived from the previous weights.
    for stale in ("fixture.json", "model.torchscript.pt"):
        p = os.path.join(out, stale)
        if os.path.exists(p):
            os.remove(p)

    size = sized(args)
    dim = size["dim"]
    rng = np.random.default_rng(args.seed)
    prefix = "" if args.no_prefix else "distilbert."
    tensors = []
    word_emb = None
    for name, shape, kind in encoder_specs(size):
        a = draw(rng, shape, kind, dim)
        if name == "embeddings.word_embeddings.weight":
            word_emb = a
        tensors.append((prefix + name, args.dtype, shape, to_dtype(a, args.dtype)))
    for name, shape, kind in head_specs(args.arch, dim, args.num_labels):
        tensors.append((name, args.dtype, shape, to_dtype(draw(rng, shape, kind, dim), args.dtype)))
    if args.untied:
        tensors.append(("vocab_projector.weight", args.dtype, word_emb.shape, to_dtype(word_emb, args.dtype)))
    if args.with_position_ids:
        pos = np.arange(size["max_position_embeddings"], dtype="<i8").reshape(1, -1)
        tensors.append((prefix + "embeddings.position_ids", "I64", pos.shape, pos.tobytes()))

    nbytes = write_safetensors(os.path.join(out, "model.safetensors"), tensors)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(make_config(args, size), f, indent=2)
        f.write("\n")
    for n in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(SHARED, n), os.path.join(out, n))
    with open(os.path.join(out, "fixture.json"), "w") as f:
        json.dump(stamp, f, indent=2, sort_keys=True)
        f.write("\n")
    print("make-fixture: wrote %s (%s %s %s, %d tensors, model.safetensors %d bytes) in %.1f s"
          % (out, args.size, args.arch, args.dtype, len(tensors), nbytes, time.time() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
