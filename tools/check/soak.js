#!/usr/bin/env node
/**
 * Soak test: N mixed requests (fill-mask with 1-3 masks, varied topK, targets, embeddings) at a
 * fixed concurrency through the public API on one model. Every result is checked against the
 * same request run alone beforehand; RSS is sampled over time and its growth after warm-up
 * is reported (must stay under 5%).
 *   node tools/check/soak.js [--requests 100000] [--concurrency 256] [--model DIR]
 * Default model: fixtures/tiny-mlm-s1 (made by tools/model/make-fixture.py if missing).
 */
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { loadModel } = require('../../dist');

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '256' },
    model: { type: 'string' },
  },
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const root = path.join(__dirname, '..', '..');
let dir = values.model;
if (!dir) {
  dir = path.join(root, 'fixtures', 'tiny-mlm-s1');
  execFileSync('/usr/bin/python3', [path.join(root, 'tools', 'model', 'make-fixture.py'), '--out', dir, '--seed', '1'], { stdio: 'inherit' });
}

const WORDS = 'the a cat dog city river house music science paris france today red quick brown over under with from'.split(' ');
function makeRequests(n) {
  // 400 distinct requests, cycled: every result can be checked against its single run.
  const out = [];
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < n; i++) {
    const len = 3 + Math.floor(rnd() * 40);
    const words = Array.from({ length: len }, () => WORDS[Math.floor(rnd() * WORDS.length)]);
    const masks = 1 + Math.floor(rnd() * 3);
    for (let m = 0; m < masks; m++) words[Math.floor(rnd() * len)] = m % 2 ? '[mask]' : '[MASK]';
    const kind = rnd();
    if (kind < 0.15) out.push({ type: 'embed', text: words.join(' ').replace(/\[mask\]/gi, 'x') });
    else if (kind < 0.3) out.push({ type: 'fill', text: words.join(' '), options: { topK: 3, targets: ['cat', 'dog', 'city'] } });
    else out.push({ type: 'fill', text: words.join(' '), options: { topK: 1 + Math.floor(rnd() * 10) } });
  }
  return out;
}

function run(model, r) {
  return r.type === 'embed' ? model.embed(r.text) : model.fillMask(r.text, r.options);
}

function same(a, b, r) {
  if (r.type === 'embed') {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-5) return false;
    return true;
  }
  if (a.length !== b.length) return false;
  return a.every((masks, m) => masks.length === b[m].length && masks.every((c, j) =>
    c.token === b[m][j].token && c.sequence === b[m][j].sequence && Math.abs(c.score - b[m][j].score) <= 1e-5));
}

(async () => {
  const model = await loadModel(dir);
  const distinct = makeRequests(400);
  const expected = [];
  for (const r of distinct) expected.push(await run(model, r)); // one at a time: no co-batching
  const mb = () => process.memoryUsage().rss / 2 ** 20;
  const samples = [];
  const t0 = Date.now();
  let next = 0;
  let done = 0;
  let mismatches = 0;
  let errors = 0;
  const timer = setInterval(() => samples.push({ t: (Date.now() - t0) / 1000, done, rssMb: mb() }), 1000);
  async function worker() {
    while (next < total) {
      const i = next++;
      const r = distinct[i % distinct.length];
      try {
        if (!same(await run(model, r), expected[i % distinct.length], r)) mismatches++;
      } catch (e) {
        errors++;
        if (errors <= 3) console.error(e);
      }
      done++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(timer);
  samples.push({ t: (Date.now() - t0) / 1000, done, rssMb: mb() });
  await model.dispose();
  const seconds = (Date.now() - t0) / 1000;
  // Warm-up: the first 10% of requests. Growth: the peak after it, against the RSS there.
  const warm = samples.find((s) => s.done >= total * 0.1) ?? samples[0];
  const after = samples.filter((s) => s.t >= warm.t);
  const peak = Math.max(...after.map((s) => s.rssMb));
  const growth = (peak - warm.rssMb) / warm.rssMb;
  console.log('| t (s) | requests done | RSS (MiB) |');
  console.log('|---:|---:|---:|');
  const step = Math.max(1, Math.floor(samples.length / 12));
  samples.filter((_, i) => i % step === 0 || i === samples.length - 1)
    .forEach((s) => console.log(`| ${s.t.toFixed(0)} | ${s.done} | ${s.rssMb.toFixed(1)} |`));
  console.log();
  console.log(`requests: ${total}, concurrency: ${concurrency}, ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} req/s)`);
  console.log(`mismatches vs single runs: ${mismatches}, errors: ${errors}`);
  console.log(`RSS after warm-up ${warm.rssMb.toFixed(1)} MiB, peak after it ${peak.toFixed(1)} MiB: growth ${(growth * 100).toFixed(2)}% (limit 5%)`);
  const ok = mismatches === 0 && errors === 0 && growth < 0.05;
  console.log(ok ? 'SOAK PASSED' : 'SOAK FAILED');
  process.exitCode = ok ? 0 : 1;
})();
