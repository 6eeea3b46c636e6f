#!/usr/bin/env python3
"""Hugging Face transformers on the same shapes as dbn_bench, on one device, in one process.

    python3 tools/gpu/hf-bench.py --model DIR [--device cuda] [--shapes 1x16,8x128,64x128,256x128,mixed64]
                                  [--dtypes float16,bfloat16] [--compile] [--seconds 2]

DistilBertModel encoder only (the same work as `dbn_bench --workload encoder`), attention
'sdpa', random ids with a fixed seed, attention_mask of ones (a mixed-length case pads to its
longest sequence and masks the rest: what a padded framework pays). --compile adds rows for
torch.compile(model) (default mode; compile time is reported, not timed). One JSON line per
case: {"system", "shape", "dtype", "batch", "tokens", "p50_ms", "seq_per_s", "tokens_per_s"};
a Markdown table on stderr.
"""
import argparse
import json
import random
import statistics
import sys
import time


def lengths_for(shape, rng):
    if shape.startswith("mixed"):
        n = int(shape[5:] or 32)
        return [rng.randint(10, 128) for _ in range(n)]
    b, s = shape.split("x")
    return [int(s)] * int(b)


def time_case(fn, sync, seconds, warmup=3):
    for _ in range(warmup):
        fn()
    sync()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--shapes", default="1x16,8x128,64x128,256x128,mixed64")
    ap.add_argument("--dtypes", default="float16,bfloat16")
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--print-lengths", metavar="SHAPE", help="print SHAPE's sequence lengths (for dbn_bench --lengths) and exit")
    a = ap.parse_args()
    if a.print_lengths:
        print(",".join(map(str, lengths_for(a.print_lengths, random.Random(a.seed)))))
        return
    import torch
    import transformers
    sync = torch.cuda.synchronize if a.device.startswith("cuda") else (lambda: None)
    rows = []
    for dtype_name in a.dtypes.split(","):
        dtype = getattr(torch, dtype_name)
        base = transformers.DistilBertModel.from_pretrained(a.model, attn_implementation="sdpa", dtype=dtype).to(a.device).eval()
        systems = [("hf-sdpa", base)]
        if a.compile:
            systems.append(("hf-sdpa-compile", torch.compile(base)))
        for system, model in systems:
            for shape in a.shapes.split(","):
                rng = random.Random(a.seed)
                lengths = lengths_for(shape, rng)
                longest = max(lengths)
                ids = torch.randint(1000, 20000, (len(lengths), longest), generator=torch.Generator().manual_seed(a.seed))
                mask = torch.zeros_like(ids)
                for i, n in enumerate(lengths):
                    mask[i, :n] = 1
                ids, mask = ids.to(a.device), mask.to(a.device)

                def run():
                    with torch.inference_mode():
                        model(input_ids=ids, attention_mask=mask)

                t0 = time.perf_counter()
                run()
                sync()
                first_ms = (time.perf_counter() - t0) * 1e3
                p50 = time_case(run, sync, a.seconds)
                tokens = sum(lengths)
                row = {"system": system, "shape": shape, "dtype": dtype_name, "batch": len(lengths), "tokens": tokens,
                       "p50_ms": round(p50, 4), "seq_per_s": round(len(lengths) / p50 * 1e3, 1),
                       "tokens_per_s": round(tokens / p50 * 1e3, 1), "first_call_ms": round(first_ms, 1),
                       "device": torch.cuda.get_device_name() if a.device.startswith("cuda") else "cpu",
                       "torch": torch.__version__, "transformers": transformers.__version__}
                rows.append(row)
                print(json.dumps(row), flush=True)
    print("| system | dtype | shape | p50 ms | seq/s |\n|---|---|---|---:|---:|", file=sys.stderr)
    for r in rows:
        print(f"| {r['system']} | {r['dtype']} | {r['shape']} | {r['p50_ms']:.3f} | {r['seq_per_s']:.0f} |", file=sys.stderr)


if __name__ == "__main__":
    main()
