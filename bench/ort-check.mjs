// Runs one ONNX graph in onnxruntime-node on a JSON request and writes its first output as raw
// little-endian float32 (used by tools/model/export-onnx.py to check the export against
// tools/model/reference.py). Usage: node bench/ort-check.mjs MODEL.onnx REQUEST.json OUT.f32
// REQUEST.json: {"input_ids": [[...]], "attention_mask": [[...]]}. Prints {"output","dims"}.
import { readFileSync, writeFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const [modelPath, requestPath, outPath] = process.argv.slice(2);
if (!outPath) {
  console.error('usage: node bench/ort-check.mjs MODEL.onnx REQUEST.json OUT.f32');
  process.exit(2);
}
const req = JSON.parse(readFileSync(requestPath, 'utf8'));
const rows = req.input_ids.length;
const cols = req.input_ids[0].length;
const tensor = (m) => new ort.Tensor('int64', BigInt64Array.from(m.flat(), (v) => BigInt(v)), [rows, cols]);
const session = await ort.InferenceSession.create(modelPath);
const out = await session.run({ input_ids: tensor(req.input_ids), attention_mask: tensor(req.attention_mask) });
const name = session.outputNames[0];
const t = out[name];
writeFileSync(outPath, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
console.log(JSON.stringify({ output: name, dims: t.dims }));
