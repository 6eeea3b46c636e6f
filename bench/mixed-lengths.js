#!/usr/bin/env node
/**
 * What a mixed-length batch costs against its real tokens, in one process with the two
 * workloads interleaved (this VM's speed drifts, so separate processes can't be compared):
 * the 32 mixed-length sentences (10-128 tokens) of fixtures/bench-workloads.json against 32
 * sentences of 128 tokens, through model.embed (one native call each). Prints ms per real token.
 *   node bench/mixed-lengths.js [MODEL_DIR] [ROUNDS]
 */
'use strict';
const fs = require('node:fs');
const { loadModel } = require('../dist');

(async () => {
  const [dir = 'fixtures/random-base', rounds = '5'] = process.argv.slice(2);
  const w = JSON.parse(fs.readFileSync('fixtures/bench-workloads.json', 'utf8')).shapes;
  const cases = { mixed32: w.mixed32.texts, '32x128': w['32x128'].texts };
  const model = await loadModel(dir);
  const tokens = {};
  for (const [name, texts] of Object.entries(cases)) {
    tokens[name] = model.tokenizer.encodeBatch(texts).reduce((n, e) => n + e.ids.length, 0);
    await model.embed(texts); // warm-up
  }
  const times = { mixed32: [], '32x128': [] };
  for (let r = 0; r < Number(rounds); r++) {
    for (const [name, texts] of Object.entries(cases)) {
      const t = performance.now();
      await model.embed(texts, { normalize: false });
      times[name].push(performance.now() - t);
    }
  }
  await model.dispose();
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log('| batch | real tokens | p50 ms | ms per real token |');
  console.log('|---|---:|---:|---:|');
  const per = {};
  for (const name of Object.keys(cases)) {
    per[name] = median(times[name]) / tokens[name];
    console.log(`| ${name} | ${tokens[name]} | ${median(times[name]).toFixed(1)} | ${per[name].toFixed(4)} |`);
  }
  console.log(`\nmixed-length cost per real token ÷ full-length cost per token: ${(per.mixed32 / per['32x128']).toFixed(3)}×`);
})();
