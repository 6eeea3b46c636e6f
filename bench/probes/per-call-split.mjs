// The 1x16 per-call path in one process (BENCHMARKS, "The 1x16 per-call path"): interleaved
// blocks of 20 calls of the public embed(), the tokenizer + native embed, the bare native embed,
// and the native embed behind a setImmediate hop; medians and µs above the bare native call.
// Needs fixtures/random-base and fixtures/bench-workloads.json (npm run bench makes both).
//   node bench/probes/per-call-split.mjs
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { loadModel } = require(`${ROOT}/dist`);
const w = JSON.parse(readFileSync(`${ROOT}/fixtures/bench-workloads.json`, 'utf8')).shapes['1x16'];
const model = await loadModel(`${ROOT}/fixtures/random-base`, { threads: 2 });
const nat = model.parts.native; const tok = model.parts.tokenizer.native;
const ids = Int32Array.from(w.ids[0]); const lens = Int32Array.of(ids.length);
const texts = w.texts;
const V = {
  api: () => model.embed(texts, { pooling: 'mean', normalize: false }),
  api_nostack: async () => { Error.stackTraceLimit = 0; const p = model.embed(texts, { pooling: 'mean', normalize: false }); Error.stackTraceLimit = 10; return p; },
  tok_native: () => { const r = tok.encodeIds(texts, true, {}); return nat.embed(r.ids, r.lengths, 'mean', false); },
  native: () => nat.embed(ids, lens, 'mean', false),
  native_imm: () => new Promise((res) => setImmediate(() => res(nat.embed(ids, lens, 'mean', false)))),
};
const res = Object.fromEntries(Object.keys(V).map((k) => [k, []]));
for (let i = 0; i < 60; i++) for (const f of Object.values(V)) await f();
for (let r = 0; r < 15; r++) for (const [k, f] of Object.entries(V)) {
  for (let i = 0; i < 20; i++) { const t = process.hrtime.bigint(); await f(); res[k].push(Number(process.hrtime.bigint() - t) / 1e6); }
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
const base = med(res.native);
for (const k of Object.keys(res)) console.log(k.padEnd(12), med(res[k]).toFixed(3), ((med(res[k]) - base) * 1000).toFixed(0) + ' us');
await model.dispose();
