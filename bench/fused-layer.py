#!/usr/bin/python3
"""libtorch 1.13's fused encoder layer against this engine, per layer (why the engine runs its
own attention and GEMMs on the CPU rather than libtorch's fused ops).

Run with the Debian interpreter (torch 1.13):

    /usr/bin/python3 bench/fused-layer.py [--dbn-bench build/dbn_bench]
        [--model fixtures/random-base] [--threads 2] [--rounds 3]

Times torch._transformer_encoder_layer_fwd (the fused kernel nn.TransformerEncoderLayer's fast
path calls; post-norm, GELU, DistilBERT's base shape, random weights) on a padded 8x128 batch
and on the 32 mixed lengths of fixtures/bench-workloads.json as a nested tensor (no padding),
in two child processes: one with the inherited environment, one with OPENBLAS_CORETYPE=SkylakeX
(OpenBLAS's AVX-512 kernels, which the fused layer's GEMMs go to). Between them, in the same
rounds, `dbn_bench` runs the whole encoder on the same shapes; its p50 / n_layers is this
engine's per-layer time (it includes embeddings, so it slightly overstates). Prints a markdown
table of medians over the rounds.
"""
import argparse
import json
import os
import subprocess
import sys
import time

LENGTHS_8x128 = [128] * 8


def child(threads, lengths_list, iters):
    import torch

    torch.set_num_threads(threads)
    d, heads, hidden = 768, 12, 3072
    g = torch.Generator().manual_seed(0)

    def w(*shape):
        return torch.randn(*shape, generator=g) * 0.02

    params = dict(
        qkv_weight=w(3 * d, d), qkv_bias=w(3 * d), proj_weight=w(d, d), proj_bias=w(d),
        norm_weight_1=torch.ones(d), norm_bias_1=torch.zeros(d), norm_weight_2=torch.ones(d),
        norm_bias_2=torch.zeros(d), ffn_weight_1=w(hidden, d), ffn_bias_1=w(hidden),
        ffn_weight_2=w(d, hidden), ffn_bias_2=w(d))
    out = {}
    with torch.inference_mode():
        for name, lengths in lengths_list.items():
            if len(set(lengths)) == 1:
                x = torch.randn(len(lengths), lengths[0], d, generator=g)
                mask = None
            else:
                x = torch.nested.nested_tensor([torch.randn(n, d, generator=g) for n in lengths])
                mask = None

            def run():
                return torch._transformer_encoder_layer_fwd(
                    x, d, heads, params['qkv_weight'], params['qkv_bias'], params['proj_weight'],
                    params['proj_bias'], True, False, 1e-12, params['norm_weight_1'],
                    params['norm_bias_1'], params['norm_weight_2'], params['norm_bias_2'],
                    params['ffn_weight_1'], params['ffn_bias_1'], params['ffn_weight_2'],
                    params['ffn_bias_2'], mask, None)

            run()
            ms = []
            for _ in range(iters):
                t = time.perf_counter()
                run()
                ms.append((time.perf_counter() - t) * 1e3)
            ms.sort()
            out[name] = ms[len(ms) // 2]
    print(json.dumps(out))


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--dbn-bench', default='build/dbn_bench')
    ap.add_argument('--model', default='fixtures/random-base')
    ap.add_argument('--workloads', default='fixtures/bench-workloads.json')
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--iters', type=int, default=8)
    ap.add_argument('--child', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.threads, json.loads(a.child), a.iters)
        return
    with open(a.workloads) as f:
        mixed = json.load(f)['shapes']['mixed32']['lengths']
    shapes = {'8x128': LENGTHS_8x128, 'mixed32': mixed}
    with open(os.path.join(a.model, 'config.json')) as f:
        n_layers = json.load(f)['n_layers']
    results = {}  # (system, shape) -> [ms per layer per round]
    for _ in range(a.rounds):
        for label, env_extra in (('libtorch fused layer, OpenBLAS as inherited', {}),
                                 ('libtorch fused layer, OPENBLAS_CORETYPE=SkylakeX', {'OPENBLAS_CORETYPE': 'SkylakeX'})):
            env = {**os.environ, **env_extra}
            r = subprocess.run([sys.executable, __file__, '--threads', str(a.threads), '--iters', str(a.iters),
                                '--child', json.dumps(shapes)], env=env, capture_output=True, text=True, check=True)
            for shape, ms in json.loads(r.stdout.strip().splitlines()[-1]).items():
                results.setdefault((label, shape), []).append(ms)
        for shape, lengths in shapes.items():
            r = subprocess.run([a.dbn_bench, '--model', a.model, '--lengths', ','.join(map(str, lengths)),
                                '--threads', str(a.threads), '--iterations', str(a.iters), '--owner-thread', '1'],
                               capture_output=True, text=True, check=True)
            p50 = json.loads(r.stdout.strip().splitlines()[-1])['p50_ms']
            results.setdefault(('this engine (dbn_bench p50 / layers)', shape), []).append(p50 / n_layers)
    print(f'| system | shape | ms per layer (median of {a.rounds} rounds) | rounds |')
    print('|---|---|---:|---|')
    for (label, shape), ms in results.items():
        print(f'| {label} | {shape} | {median(ms):.1f} | {", ".join(f"{x:.1f}" for x in ms)} |')


if __name__ == '__main__':
    main()
