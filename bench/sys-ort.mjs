// Child: onnxruntime-node on the ONNX export (tools/model/export-onnx.py), one workload × shape.
//   encoder   = OUT/encoder/onnx/model.onnx (DistilBertModel) on the stored ids, right-padded to
//               the longest sentence (HF `padding: true`).
//   fill-mask = HF tokenizers (npm `tokenizers`, Rust) → OUT/onnx/model.onnx (standard export:
//               vocabulary logits for every token) → softmax + top-5 at each [MASK] row in JS →
//               decode token_str and sequence with the same tokenizer, as HF's pipeline does.
import ort from 'onnxruntime-node';
import tokenizers from 'tokenizers';
import { parseArgs, loadShape, timeLoop, resultLine, readConfig, padBatch } from './common.mjs';

const a = parseArgs(process.argv.slice(2));
const w = loadShape(a.workloads, a.shape);
const cfg = readConfig(a.model);
const threads = Number(a.threads);
const sessionOptions = { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' };
const graph = a.workload === 'encoder' ? `${a.onnx}/encoder/onnx/model.onnx` : `${a.onnx}/onnx/model.onnx`;

const t0 = performance.now();
const session = await ort.InferenceSession.create(graph, sessionOptions);
const tok = a.workload === 'encoder' ? null : await tokenizers.Tokenizer.fromFile(`${a.onnx}/tokenizer.json`);
const loadMs = performance.now() - t0;

function topK(logits, off, v, k) {
  let max = -Infinity;
  for (let j = 0; j < v; j++) if (logits[off + j] > max) max = logits[off + j];
  let sum = 0;
  for (let j = 0; j < v; j++) sum += Math.exp(logits[off + j] - max);
  const best = []; // k smallest-first insertion list: fine for k = 5
  for (let j = 0; j < v; j++) {
    const x = logits[off + j];
    if (best.length < k || x > best[0].x) {
      if (best.length === k) best.shift();
      let i = 0;
      while (i < best.length && best[i].x < x) i++;
      best.splice(i, 0, { j, x });
    }
  }
  return best.reverse().map((b) => ({ id: b.j, score: Math.exp(b.x - max) / sum }));
}

async function fillMask(texts) {
  const encs = await tok.encodeBatch(texts);
  const rows = encs.map((e) => Array.from(e.getIds()));
  const { ids, mask, dims } = padBatch(rows, w.padId);
  const out = await session.run({ input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) });
  const logits = out.logits.data;
  const [, seq, v] = out.logits.dims;
  const results = [];
  for (let b = 0; b < rows.length; b++) {
    const perMask = [];
    for (let p = 0; p < rows[b].length; p++) {
      if (rows[b][p] !== w.maskId) continue;
      const cands = topK(logits, (b * seq + p) * v, v, 5);
      perMask.push(
        await Promise.all(
          cands.map(async (c) => {
            const filled = rows[b].slice();
            filled[p] = c.id;
            return { score: c.score, token: c.id, token_str: await tok.decode([c.id], true), sequence: await tok.decode(filled, true) };
          }),
        ),
      );
    }
    results.push(perMask);
  }
  return { results, rows };
}

let fn;
let computed;
if (a.workload === 'encoder') {
  const { ids, mask, dims } = padBatch(w.ids, w.padId);
  computed = dims[0] * dims[1];
  const feeds = { input_ids: new ort.Tensor('int64', ids, dims), attention_mask: new ort.Tensor('int64', mask, dims) };
  fn = () => session.run(feeds);
} else {
  const first = await fillMask(w.texts.slice(0, 1));
  const all = await tok.encodeBatch(w.texts);
  all.forEach((e, i) => {
    if (Array.from(e.getIds()).join() !== w.ids[i].join()) throw new Error(`HF tokenizers disagree with the stored ids of sentence ${i}`);
  });
  if (first.results[0][0].length !== 5) throw new Error('unexpected fill-mask output');
  computed = w.batch * w.seq;
  fn = () => fillMask(w.texts);
}
const timing = await timeLoop(fn, Number(a.warmup), Number(a.iters), Number(a['max-seconds'] ?? Infinity));
resultLine(
  { system: 'onnxruntime-node', version: ort.env.versions?.node, load_ms: loadMs, computed_tokens: computed, note: a.workload === 'encoder' ? 'encoder-only graph, padded' : 'HF tokenizers + full-vocab logits graph, padded' },
  cfg, w, a.workload, timing,
);
