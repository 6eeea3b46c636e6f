// A one-thread forward while the other core is busy (BENCHMARKS, HTTP section, 05:17): 16
// concurrent embed() callers on fixtures/bench-base-mlm with --threads 1, and a burner process
// (burn.js) keeping the other vCPU busy 0/30/60/100% of each 5 ms; calls/s and ms per sequence.
//   node bench/probes/second-core.mjs
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
const { loadModel } = require(`${ROOT}/dist`);
const model = await loadModel(`${ROOT}/fixtures/bench-base-mlm`, { threads: 1 });
const TEXT = 'Paris is the [MASK] of France, and this sentence has a few more words.';
async function run(secs) { const s0 = model.stats(); const t0 = performance.now(); let n = 0; const end = t0 + secs * 1000;
  await Promise.all(Array.from({ length: 16 }, async () => { while (performance.now() < end) { await model.embed([TEXT]); n++; } }));
  const s1 = model.stats(); return { rps: n / ((performance.now() - t0) / 1000), msPerSeq: (s1.busyMs - s0.busyMs) / (s1.sequences - s0.sequences) }; }
await run(2);
for (let r = 0; r < 2; r++) for (const duty of [0, 0.3, 0.6, 1]) {
  const b = duty > 0 ? spawn(process.execPath, [path.join(ROOT, 'bench', 'probes', 'burn.js'), String(duty), '6']) : null;
  await new Promise((res) => setTimeout(res, 200));
  const x = await run(5); b?.kill();
  console.log(`burner duty ${duty}: ${x.rps.toFixed(1)} calls/s, ${x.msPerSeq.toFixed(2)} ms/seq`);
}
await model.dispose();
