// Child: this package through its public API (require('../dist')), one workload × shape.
//   encoder   = model.embed(texts, { pooling: 'mean', normalize: false }): tokenize (C++) + encoder
//               + mean pooling; the closest public call to "encoder only" (the native bench
//               binary build/dbn_bench times the bare encoder, see run.mjs).
//   fill-mask = model.fillMask(texts, { topK: 5 }): tokenize → model → top-5 → decode, end to end.
// --dtype bfloat16 loads the model with bfloat16 dense layers (system distilbert-native-bf16).
import { createRequire } from 'node:module';
import { parseArgs, loadShape, timeLoop, resultLine, readConfig } from './common.mjs';

const require = createRequire(import.meta.url);
const a = parseArgs(process.argv.slice(2));
const w = loadShape(a.workloads, a.shape);
const cfg = readConfig(a.model);
const { loadModel } = require('../dist');

const t0 = performance.now();
const dtype = a.dtype ?? 'float32';
const model = await loadModel(a.model, { threads: Number(a.threads), dtype });
const loadMs = performance.now() - t0;

// The stored ids are HF tokenizer output by construction; check ours agrees before timing.
w.texts.forEach((t, i) => {
  const got = model.tokenizer.encode(t).ids;
  if (got.join() !== w.ids[i].join()) throw new Error(`tokenizer mismatch on sentence ${i}: ${got} vs ${w.ids[i]}`);
});

let fn;
let note = '';
if (a.workload === 'encoder') {
  if (typeof model.embed !== 'function') {
    process.stdout.write(JSON.stringify({ skipped: 'this build of the package has no model.embed()' }) + '\n');
    process.exit(0);
  }
  fn = () => model.embed(w.texts, { pooling: 'mean', normalize: false });
  note = 'embed(): tokenize + encoder + mean pool';
} else {
  fn = async () => {
    const out = await model.fillMask(w.texts, { topK: 5 });
    if (out.length !== w.batch || out[0][0].length !== 5) throw new Error('unexpected fillMask output shape');
  };
  note = 'fillMask(texts, {topK:5})';
}
const timing = await timeLoop(fn, Number(a.warmup), Number(a.iters), Number(a['max-seconds'] ?? Infinity));
resultLine({ system: dtype === 'bfloat16' ? 'distilbert-native-bf16' : 'distilbert-native', dtype, load_ms: loadMs, computed_tokens: w.lengths.reduce((x, y) => x + y, 0), note }, cfg, w, a.workload, timing);
await model.dispose();
