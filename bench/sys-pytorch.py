#!/usr/bin/python3
"""PyTorch eager side of the side-by-side benchmark (bench/run.mjs runs it as a child process).

Run with the Debian interpreter (torch 1.13 + numpy):

    /usr/bin/python3 bench/sys-pytorch.py --model DIR --workloads FILE --shape 8x128 \\
        --workload encoder|fill-mask --threads N --warmup W --iters I
    /usr/bin/python3 bench/sys-pytorch.py --sgemm [--n 2048] [--seconds 1.5]

Model: the HF-named torch module of tools/model/export-torchscript.py (its build() is reused), fed
float32 weights read straight from DIR/model.safetensors (no float64 copy, so peak RSS is not
inflated by the loader), torch.inference_mode(), torch.set_num_threads(--threads).
  encoder   = model.distilbert(input_ids, attention_mask) on the stored ids, right-padded to
              the longest sentence.
  fill-mask = the stored ids (tokenization is NOT timed: no HF tokenizer for this interpreter;
              bench/workloads.mjs builds ids that HF tokenizers reproduces exactly, checked by the
              onnxruntime-node child) → DistilBertForMaskedLM forward (vocabulary logits for every
              token, as HF's pipeline does) → softmax + top-5 at each [MASK] → decode token_str
              and sequence from vocab.txt (WordPiece join: " ##" removed).
Prints one JSON line, the same fields as bench/common.mjs resultLine().

--sgemm prints {"numpy_gflops", "torch_gflops", "openblas_corename", ...}: the best float32 GEMM
rate of an n×n×n product on --threads threads, for the "share of sgemm peak" column. It runs in
whatever environment it is given (OPENBLAS_CORETYPE included); run.mjs calls it more than once.
"""
import argparse
import ctypes
import importlib.util
import json
import os
import resource
import struct
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def load_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "..", "tools", "model", filename))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def openblas_info():
    try:
        lib = ctypes.CDLL("libblas.so.3")  # the one numpy/torch resolve; OpenBLAS exports these
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode(), lib.openblas_get_config().decode()
    except (OSError, AttributeError):
        return None, None


def sgemm(args):
    torch.set_num_threads(args.threads)
    n = args.n
    flop = 2.0 * n * n * n

    def best_rate(mm):
        for _ in range(2):
            mm()
        best, t_end = 0.0, time.perf_counter() + args.seconds
        while time.perf_counter() < t_end:
            t0 = time.perf_counter()
            mm()
            best = max(best, flop / (time.perf_counter() - t0) / 1e9)
        return best

    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), dtype=np.float32)
    np_rate = best_rate(lambda: np.matmul(a, b, out=c))
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    tc = torch.empty(n, n)
    torch_rate = best_rate(lambda: torch.mm(ta, tb, out=tc))
    core, config = openblas_info()
    print(json.dumps({"n": n, "threads": args.threads, "numpy_gflops": np_rate, "torch_gflops": torch_rate,
                      "openblas_corename": core, "openblas_config": config,
                      "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}))


def read_safetensors_f32(path):
    """name -> float32 ndarray views into one writable buffer (F32 checkpoints only)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n).decode("utf-8"))
        blob = bytearray(os.path.getsize(path) - 8 - n)
        f.readinto(blob)
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] in ("I64", "I32"):
            continue
        if info["dtype"] != "F32":
            raise SystemExit("bench-pytorch: %s is %s; the bench uses float32 checkpoints" % (name, info["dtype"]))
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(blob, dtype="<f4", count=(e - b) // 4, offset=b).reshape(info["shape"])
    return out


def load(model_dir, ts, ref):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    cfg["_arch"] = (cfg.get("architectures") or ["DistilBertModel"])[0]
    cfg["_head"] = ref.ARCH_HEADS[cfg["_arch"]]
    weights = read_safetensors_f32(os.path.join(model_dir, "model.safetensors"))
    model = ts.build(cfg, weights)  # copies into the module's own parameters
    del weights
    return cfg, model


def useful_flops(cfg, lengths, workload, masks):
    d, h, nl, v = cfg["dim"], cfg["hidden_dim"], cfg["n_layers"], cfg["vocab_size"]
    f = sum(2.0 * L * nl * (4 * d * d + 2 * d * h) + 4.0 * nl * L * L * d for L in lengths)
    if workload == "fill-mask":
        f += masks * 2.0 * (d * d + d * v)
    return f


def pad(rows, pad_id):
    seq = max(len(r) for r in rows)
    ids = torch.full((len(rows), seq), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), seq), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, :len(r)] = 1
    return ids, mask


def decode(vocab, ids, special):
    return " ".join(vocab[i] for i in ids if i not in special).replace(" ##", "")


def bench(args):
    torch.set_num_threads(args.threads)
    ts = load_module("dbn_export_torchscript", "export-torchscript.py")
    ref = ts.load_reference()
    with open(args.workloads) as f:
        wl = json.load(f)
    w = wl["shapes"][args.shape]
    t0 = time.perf_counter()
    cfg, mlm = load(args.model, ts, ref)
    load_ms = (time.perf_counter() - t0) * 1e3
    rows, mask_id, pad_id = w["ids"], wl["mask_id"], wl["pad_id"]
    with open(os.path.join(args.model, "vocab.txt"), encoding="utf-8") as f:
        vocab = f.read().split("\n")
    special = {wl["cls_id"], wl["sep_id"], pad_id}

    if args.workload == "encoder":
        ids, mask = pad(rows, pad_id)
        computed = ids.numel()

        def run():
            mlm.distilbert(ids, mask)[0].sum().item()
        note = "model.distilbert(ids, mask), padded"
    else:
        computed = len(rows) * max(len(r) for r in rows)

        def run():
            ids, mask = pad(rows, pad_id)
            logits = mlm(ids, mask)[0]
            out = []
            for b, p in (ids == mask_id).nonzero().tolist():
                probs = torch.softmax(logits[b, p], dim=-1)
                top = torch.topk(probs, 5)
                cands = []
                for score, tid in zip(top.values.tolist(), top.indices.tolist()):
                    filled = list(rows[b])
                    filled[p] = tid
                    cands.append({"score": score, "token": tid, "token_str": vocab[tid],
                                  "sequence": decode(vocab, filled, special)})
                out.append(cands)
            if len(out) != len(rows):
                raise SystemExit("bench-pytorch: expected one mask per sentence")
            return out
        note = "ids precomputed (tokenize not timed) + full-vocab logits, padded"

    times = []
    with torch.inference_mode():
        for _ in range(args.warmup):
            run()
        # Up to --iters timed calls, stopping once they have used --max-seconds (at least one runs),
        # as bench/common.mjs timeLoop() does.
        while len(times) < args.iters and (not times or sum(times) < args.max_seconds * 1e3):
            t = time.perf_counter()
            run()
            times.append((time.perf_counter() - t) * 1e3)
    s = sorted(times)

    def pct(p):
        return s[min(len(s) - 1, int(round(p * (len(s) - 1))))]
    p50 = pct(0.5)
    flops = useful_flops(cfg, w["lengths"], args.workload, w["batch"])
    print(json.dumps({
        "system": "pytorch-eager", "version": torch.__version__, "load_ms": load_ms, "computed_tokens": computed,
        "note": note, "workload": args.workload, "shape": w["name"], "batch": w["batch"],
        "real_tokens": sum(w["lengths"]), "p50_ms": p50, "p99_ms": pct(0.99), "times_ms": times, "iters": len(times),
        "seq_per_s": w["batch"] * 1000.0 / p50, "useful_gflop": flops / 1e9, "gflops": flops / (p50 * 1e6),
        "self_max_rss_mb": max_rss_mb(), "threads": torch.get_num_threads()}))


def main(argv=None):
    ap = argparse.ArgumentParser(description="PyTorch eager bench child / sgemm peak probe.")
    ap.add_argument("--sgemm", action="store_true", help="measure the float32 GEMM peak and exit")
    ap.add_argument("--n", type=int, default=2048, help="--sgemm matrix size")
    ap.add_argument("--seconds", type=float, default=1.5, help="--sgemm time per library")
    ap.add_argument("--model")
    ap.add_argument("--workloads")
    ap.add_argument("--shape")
    ap.add_argument("--workload", choices=("encoder", "fill-mask"))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--max-seconds", type=float, default=float("inf"), help="stop timing after this much")
    args = ap.parse_args(argv)
    if args.sgemm:
        sgemm(args)
        return 0
    for k in ("model", "workloads", "shape", "workload"):
        if getattr(args, k) is None:
            ap.error("--%s is required" % k)
    bench(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
