// Helpers shared by the bench parent (run.mjs) and the per-system children (sys-*.mjs).
// Python's bench/sys-pytorch.py mirrors timeLoop/flops/resultLine; keep them in step.
import { readFileSync } from 'node:fs';

/** `--key value` pairs and bare `--flag`s into an object (values stay strings). */
export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const key = a.slice(2);
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = true;
    else out[key] = argv[++i];
  }
  return out;
}

/** The workload of one shape from the file bench/workloads.mjs writes. */
export function loadShape(file, shape) {
  const all = JSON.parse(readFileSync(file, 'utf8'));
  const w = all.shapes[shape];
  if (!w) throw new Error(`shape ${shape} not in ${file} (has ${Object.keys(all.shapes).join(', ')})`);
  return { ...w, maskId: all.mask_id, padId: all.pad_id };
}

/**
 * Useful FLOPs of one call, 2 per multiply-add, counted on REAL tokens only (padding a system
 * computes is not credited): the encoder's projections + FFN + attention (as native/bench).
 * For fill-mask (one [MASK] per sequence), only what the answer depends on: in the last layer
 * keys and values for every token but queries, attention, output projection and FFN at the
 * [MASK] rows, then the MLM head at those rows (a system that runs the last layer on every
 * token, or projects every token to the vocabulary, does more work and gets no credit for it).
 */
export function usefulFlops(cfg, lengths, workload, masks) {
  const { dim: d, hidden_dim: h, n_layers: nl, vocab_size: v } = cfg;
  const layer = (L, q) => 2 * L * 2 * d * d + 2 * q * (2 * d * d + 2 * d * h) + 4 * q * L * d;
  const m = workload === 'fill-mask' ? masks / lengths.length : null;
  let f = 0;
  for (const L of lengths) f += (nl - 1) * layer(L, L) + layer(L, m ?? L);
  if (workload === 'fill-mask') f += masks * 2 * (d * d + d * v);
  return f;
}

/** The median (the mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))];
}

/**
 * `warmup` untimed calls, then up to `iters` timed ones, stopping early once the timed calls
 * have used `maxSeconds` (at least one always runs): slow systems get fewer samples instead of
 * stretching the whole bench. p50/p99 in ms (nearest rank; with few samples p99 is the max).
 */
export async function timeLoop(fn, warmup, iters, maxSeconds = Infinity) {
  for (let i = 0; i < warmup; i++) await fn();
  const ms = [];
  let spent = 0;
  while (ms.length < iters && (ms.length === 0 || spent < maxSeconds * 1000)) {
    const t0 = process.hrtime.bigint();
    await fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    spent += ms[ms.length - 1];
  }
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50_ms: percentile(sorted, 0.5), p99_ms: percentile(sorted, 0.99), times_ms: ms };
}

/** The one JSON line a child prints on stdout (the parent reads the last line). */
export function resultLine(fields, cfg, w, workload, timing) {
  const flops = usefulFlops(cfg, w.lengths, workload, w.batch);
  const r = {
    ...fields,
    workload,
    shape: w.name,
    batch: w.batch,
    real_tokens: w.lengths.reduce((a, b) => a + b, 0),
    ...timing,
    iters: timing.times_ms.length,
    seq_per_s: (w.batch * 1000) / timing.p50_ms,
    useful_gflop: flops / 1e9,
    gflops: flops / (timing.p50_ms * 1e6),
    self_max_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(JSON.stringify(r) + '\n');
}

/** Right-pads id rows to the longest one: flat BigInt64 ids + mask, as HF `padding: true` does. */
export function padBatch(rows, padId) {
  const seq = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(rows.length * seq).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * seq);
  rows.forEach((r, b) => {
    for (let j = 0; j < r.length; j++) {
      ids[b * seq + j] = BigInt(r[j]);
      mask[b * seq + j] = 1n;
    }
  });
  return { ids, mask, dims: [rows.length, seq] };
}

export function readConfig(modelDir) {
  return JSON.parse(readFileSync(`${modelDir}/config.json`, 'utf8'));
}
