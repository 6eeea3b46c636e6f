// encodeIds cold (a 192 MB sweep before each call) and warm: the 1x16 text, an empty text, 'a'.
// DBN_ADDON_PATH compares another build of the addon (BENCHMARKS, "The 1x16 per-call path").
//   node bench/probes/tokenizer-cold.mjs
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { loadTokenizer } = require(`${ROOT}/dist`);
const w = JSON.parse(readFileSync(`${ROOT}/fixtures/bench-workloads.json`, 'utf8')).shapes['1x16'];
const t = await loadTokenizer(`${ROOT}/fixtures/random-base`);
const tok = t.native;
const buf = new Float64Array(192 * 1024 * 1024 / 8);
const sweep = () => { let s = 0; for (let i = 0; i < buf.length; i += 8) { buf[i] += 1; } return s; };
const V = {
  text: () => tok.encodeIds(w.texts, true, {}),
  empty: () => tok.encodeIds([''], true, {}),
  a: () => tok.encodeIds(['a'], true, {}),
  noop: () => 0,
};
const res = Object.fromEntries(Object.keys(V).map((k) => [k, []]));
for (let r = 0; r < 40; r++) for (const [k, f] of Object.entries(V)) { sweep(); const t0 = process.hrtime.bigint(); f(); res[k].push(Number(process.hrtime.bigint() - t0) / 1e3); }
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
for (const k of Object.keys(res)) console.log(k.padEnd(8), med(res[k]).toFixed(1), 'us cold');
for (const [k, f] of Object.entries(V)) { for (let i = 0; i < 100; i++) f(); const t0 = process.hrtime.bigint(); for (let i = 0; i < 1000; i++) f(); console.log(k.padEnd(8), (Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1), 'us warm'); }
console.log(JSON.stringify(w.texts));
