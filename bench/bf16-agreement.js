#!/usr/bin/env node
/**
 * bfloat16 accuracy: fill-mask top-1 (and top-5 overlap) of dtype 'bfloat16' against 'float32'
 * on the same checkpoint and inputs. Prints one markdown row.
 *   node bench/bf16-agreement.js MODEL_DIR [WORKLOADS_JSON]
 * WORKLOADS_JSON: fixtures/bench-workloads.json (bench/workloads.mjs); every sentence of every
 * shape in it is used.
 */
'use strict';
const fs = require('node:fs');
const { loadModel } = require('../dist');

(async () => {
  const [dir, file = 'fixtures/bench-workloads.json'] = process.argv.slice(2);
  const workloads = JSON.parse(fs.readFileSync(file, 'utf8'));
  const texts = [...new Set(Object.values(workloads.shapes ?? workloads).flatMap((w) => w.texts ?? w))].filter(
    (t) => typeof t === 'string',
  );
  const f32 = await loadModel(dir, { dtype: 'float32' });
  const bf16 = await loadModel(dir, { dtype: 'bfloat16' });
  const a = await f32.fillMask(texts, { topK: 5 });
  const b = await bf16.fillMask(texts, { topK: 5 });
  let masks = 0, top1 = 0, overlap = 0, maxDiff = 0;
  a.forEach((perText, i) => perText.forEach((cands, m) => {
    const other = b[i][m];
    masks++;
    if (cands[0].token === other[0].token) top1++;
    overlap += cands.filter((c) => other.some((o) => o.token === c.token)).length / cands.length;
    maxDiff = Math.max(maxDiff, Math.abs(cands[0].score - other[0].score));
  }));
  await Promise.all([f32.dispose(), bf16.dispose()]);
  console.log('| masks | top-1 agreement | mean top-5 overlap | max top-1 probability difference |');
  console.log('|---:|---:|---:|---:|');
  console.log(`| ${masks} | ${top1}/${masks} (${((100 * top1) / masks).toFixed(1)}%) | ${((100 * overlap) / masks).toFixed(1)}% | ${maxDiff.toExponential(2)} |`);
})();
