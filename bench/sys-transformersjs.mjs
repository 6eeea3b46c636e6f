// Child: transformers.js (@huggingface/transformers), fully offline on the same ONNX and
// tokenizer files (env.allowRemoteModels = false, env.localModelPath = the export's parent dir).
// It runs onnxruntime-node underneath.
//   encoder   = AutoModel on OUT/encoder (DistilBertModel graph) with the stored ids, padded.
//   fill-mask = pipeline('fill-mask')(texts, { top_k: 5 }): its tokenizer → full-vocab logits
//               graph → softmax/top-k at the mask → decode.
import path from 'node:path';
import { env, pipeline, AutoModel, Tensor } from '@huggingface/transformers';
import { parseArgs, loadShape, timeLoop, resultLine, readConfig, padBatch } from './common.mjs';

const a = parseArgs(process.argv.slice(2));
const w = loadShape(a.workloads, a.shape);
const cfg = readConfig(a.model);
const onnxDir = path.resolve(a.onnx);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = path.dirname(onnxDir) + path.sep;
env.useBrowserCache = false;
const id = path.basename(onnxDir);
const options = {
  dtype: 'fp32',
  device: 'cpu',
  local_files_only: true,
  session_options: { intraOpNumThreads: Number(a.threads), interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential' },
};

let fn;
let computed;
let loadMs;
if (a.workload === 'encoder') {
  const t0 = performance.now();
  const model = await AutoModel.from_pretrained(`${id}/encoder`, options);
  loadMs = performance.now() - t0;
  const { ids, mask, dims } = padBatch(w.ids, w.padId);
  computed = dims[0] * dims[1];
  const feeds = { input_ids: new Tensor('int64', ids, dims), attention_mask: new Tensor('int64', mask, dims) };
  fn = () => model(feeds);
} else {
  const t0 = performance.now();
  const fill = await pipeline('fill-mask', id, options);
  loadMs = performance.now() - t0;
  const enc = fill.tokenizer(w.texts, { padding: false, return_tensor: false });
  const rows = Array.isArray(enc.input_ids) ? enc.input_ids : enc.input_ids.tolist();
  rows.forEach((r, i) => {
    if (r.map(Number).join() !== w.ids[i].join()) throw new Error(`transformers.js tokenizer disagrees with the stored ids of sentence ${i}`);
  });
  computed = w.batch * w.seq;
  fn = async () => {
    const out = await fill(w.texts, { top_k: 5 });
    if (out.length !== w.batch || out[0].length !== 5) throw new Error('unexpected fill-mask output');
  };
}
const timing = await timeLoop(fn, Number(a.warmup), Number(a.iters), Number(a['max-seconds'] ?? Infinity));
resultLine(
  { system: 'transformers.js', version: env.version, load_ms: loadMs, computed_tokens: computed, note: a.workload === 'encoder' ? 'AutoModel, encoder-only graph, padded' : 'fill-mask pipeline, full-vocab logits graph, padded' },
  cfg, w, a.workload, timing,
);
