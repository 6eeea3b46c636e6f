#!/usr/bin/env node
/**
 * Memory across reloads: N `loadModel` / `dispose` cycles (each runs one fillMask, so the
 * weights are touched and the tokenizer is used), RSS and V8's external-memory count sampled
 * as it goes. Prints one JSON line per sample and a summary: growth per cycle over the second
 * half of the run (after the allocator and libtorch have warmed up), in KiB. Samples are taken
 * right after a dispose(): V8's external-memory count then holds nothing of the models.
 *   node tools/check/reload-rss.js [--cycles 2000] [--every 100] [--model DIR] [--gc]
 * --gc calls global.gc() before each sample (run node with --expose-gc), to tell what waits
 * for a collection from what is really kept. Default model: fixtures/tiny-mlm-s1.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.join(__dirname, '..', '..');
const { loadModel } = require(path.join(root, 'dist', 'index.js'));
const { native } = require(path.join(root, 'dist', 'native', 'index.js'));

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '2000' },
    every: { type: 'string', default: '100' },
    model: { type: 'string' },
    gc: { type: 'boolean', default: false },
  },
});
const cycles = Number(values.cycles);
const every = Number(values.every);
let dir = values.model;
if (!dir) {
  dir = path.join(root, 'fixtures', 'tiny-mlm-s1');
  const script = path.join(root, 'tools', 'model', 'make-fixture.py');
  execFileSync('/usr/bin/python3', [script, '--out', dir, '--seed', '1'], { stdio: 'ignore' });
}
if (values.gc && typeof global.gc !== 'function') throw new Error('--gc needs node --expose-gc');

const mib = (b) => Math.round((b / 2 ** 20) * 10) / 10;
// Live threads of this process (Linux): owner threads that were never joined would pile up.
const threadCount = () => {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
  } catch {
    return null;
  }
};

(async () => {
  const samples = [];
  const start = Date.now();
  for (let i = 1; i <= cycles; i++) {
    const model = await loadModel(dir);
    await model.fillMask('the [MASK] sat on the mat');
    await model.dispose();
    if (i % every === 0 || i === cycles) {
      if (values.gc) global.gc();
      const s = { cycle: i, rssMiB: mib(process.memoryUsage().rss), externalMiB: mib(native().externalMemory()), threads: threadCount(), s: (Date.now() - start) / 1000 };
      samples.push(s);
      console.log(JSON.stringify(s));
    }
  }
  const mid = samples[Math.floor((samples.length - 1) / 2)];
  const last = samples[samples.length - 1];
  const perCycleKiB = mid.cycle === last.cycle ? 0 : ((last.rssMiB - mid.rssMiB) * 1024) / (last.cycle - mid.cycle);
  console.log(JSON.stringify({
    summary: true,
    cycles,
    gc: values.gc,
    firstRssMiB: samples[0].rssMiB,
    lastRssMiB: last.rssMiB,
    growthPerCycleKiB: Math.round(perCycleKiB * 10) / 10,
    externalMiB: last.externalMiB,
    seconds: last.s,
  }));
})();
