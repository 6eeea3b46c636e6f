#!/usr/bin/env node
// The public API end to end on one device (run by tools/gpu/device-check.sh with a carried
// Node): device selection, fill-mask 1x16 latency (p50/p99 over sequential calls), encoder
// throughput through model.embed on fixed shapes, and CPU-vs-device agreement of every head's
// public result. Prints JSON lines; a last line "N passed, N failed" for the agreement checks.
//   node tools/gpu/node-e2e.js FIXTURES_DIR DEVICE [SECONDS]
'use strict';
const path = require('node:path');
const { loadModel } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

const [fixtures, device = 'cuda', seconds = '2'] = process.argv.slice(2);
const budgetMs = Number(seconds) * 1000;
let passed = 0;
let failed = 0;

async function timeCalls(fn) {
  for (let i = 0; i < 5; i++) await fn();
  const times = [];
  const start = performance.now();
  while (performance.now() - start < budgetMs || times.length < 20) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)], p99: times[Math.floor(times.length * 0.99)], n: times.length };
}

function words(n) {
  return Array.from({ length: n }, (_, i) => ['paris', 'city', 'river', 'light', 'music', 'stone'][i % 6]).join(' ');
}

function maxDiff(a, b) {
  let m = 0;
  const walk = (x, y) => {
    if (typeof x === 'number') m = Math.max(m, Math.abs(x - y));
    else if (x && typeof x === 'object') for (const k of Object.keys(x)) walk(x[k], y?.[k]);
  };
  walk(a, b);
  return m;
}

async function main() {
  const base = path.join(fixtures, 'perf-mlm');
  // DBN_E2E_PERF=0 skips the timings (a dry run of the agreement checks on a CPU).
  for (const dtype of process.env.DBN_E2E_PERF === '0' ? [] : ['float32', 'bfloat16', 'float16']) {
    let model;
    try {
      model = await loadModel(base, { device, dtype });
    } catch (e) {
      console.log(JSON.stringify({ case: 'load', device, dtype, error: `${e.code}: ${e.message}` }));
      continue;
    }
    console.log(JSON.stringify({ case: 'load', device: model.info.device, dtype: model.info.dtype }));
    // 1x16: one text of 16 tokens ([CLS] + 13 words + [MASK] + [SEP]), sequential calls.
    const text = `${words(13)} [MASK]`;
    const fm = await timeCalls(() => model.fillMask(text, { topK: 5 }));
    console.log(JSON.stringify({ case: 'fill-mask 1x16', device, dtype, p50_ms: +fm.p50.toFixed(3), p99_ms: +fm.p99.toFixed(3), calls: fm.n }));
    for (const [b, s] of [[1, 16], [8, 128], [64, 128], [256, 128]]) {
      const texts = Array.from({ length: b }, () => words(s - 2));
      const t = await timeCalls(() => model.embed(texts));
      console.log(JSON.stringify({ case: `embed ${b}x${s}`, device, dtype, p50_ms: +t.p50.toFixed(3), seq_per_s: +(b / t.p50 * 1e3).toFixed(1) }));
    }
    await model.dispose();
  }
  // Every head: the device's public results against the CPU's, float32.
  const inputs = {
    'masked-lm': (m) => m.fillMask(['Paris is the [MASK] of France.', 'A [MASK] and a [MASK].'], { topK: 5 }),
    'sequence-classification': (m) => m.classify(['I love it', 'terrible'], { topK: null }),
    'token-classification': (m) => m.tokenClassify(['Ada Lovelace lived in London'], { aggregationStrategy: 'none', ignoreLabels: [] }),
    'question-answering': (m) => m.answerQuestion({ question: 'Where did she live?', context: 'Ada Lovelace lived in London.' }, { topK: 3 }),
    base: (m) => m.embed(['one sentence', 'and another one']).then((v) => v.map((x) => Array.from(x))),
  };
  for (const [arch, run] of Object.entries(inputs)) {
    const dir = path.join(fixtures, arch);
    const cpu = await loadModel(dir, { device: 'cpu' });
    const dev = await loadModel(dir, { device });
    const a = await run(cpu);
    const b = await run(dev);
    const d = maxDiff(a, b);
    const sameShape = JSON.stringify(a, (k, v) => (typeof v === 'number' ? 0 : v)) === JSON.stringify(b, (k, v) => (typeof v === 'number' ? 0 : v));
    const ok = sameShape && d <= 1e-4;
    ok ? passed++ : failed++;
    console.log(JSON.stringify({ case: `public API ${arch} ${device} vs cpu`, ok, max_diff: d, same_structure: sameShape }));
    await cpu.dispose();
    await dev.dispose();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
