// Start-up cost of two addon builds side by side, in fresh processes, interleaved round by
// round (so machine load hits both alike): require + loadTokenizer (time, RSS), and
// require + loadModel + first fill-mask (time, RSS). Same dist/ for both; only the .node
// differs (DBN_ADDON_PATH), so the difference is the binary's own.
// Usage: node bench/addon-start.js --before A.node --after B.node [--rounds 7]
//          [--model fixtures/random-base] [--tokenizer ../shared/data/distilbert-base-uncased]
// Prints a table of medians (and every sample as JSON with --json).
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const root = path.join(__dirname, '..');
const builds = { before: path.resolve(opt('before', '')), after: path.resolve(opt('after', path.join(root, 'build/Release/distilbert_native.node'))) };
const rounds = Number(opt('rounds', '7'));
const model = path.resolve(opt('model', path.join(root, 'fixtures/random-base')));
const tokenizer = path.resolve(opt('tokenizer', path.join(root, '..', 'shared/data/distilbert-base-uncased')));
const lib = JSON.stringify(path.join(root, 'dist', 'index.js'));
const libNative = JSON.stringify(path.join(root, 'dist', 'native'));

const mb = 'process.memoryUsage().rss / 1048576';
const scripts = {
  // require (JS only: the addon loads on first use), then the addon's dlopen, then the
  // tokenizer's own parse, each timed.
  tokenizer: `const t0 = performance.now(); const d = require(${lib}); const t1 = performance.now();
    require(${libNative}).native(); const t2 = performance.now();
    d.loadTokenizer(${JSON.stringify(tokenizer)}).then(t => { t.encode('Hello, world!');
    const t3 = performance.now();
    console.log(JSON.stringify({ ms: t3 - t0, require: t1 - t0, addon: t2 - t1, tok: t3 - t2, rss: ${mb} })); });`,
  model: `const t0 = performance.now(); const d = require(${lib});
    d.loadModel(${JSON.stringify(model)}, { threads: 1 }).then(async m => { const t1 = performance.now();
    await m.fillMask('the capital of france is [MASK].'); const t2 = performance.now();
    console.log(JSON.stringify({ ms: t2 - t0, load: t1 - t0, first: t2 - t1, rss: ${mb} })); await m.dispose(); });`,
};

const samples = {};
for (let r = 0; r < rounds; r++) {
  for (const kind of Object.keys(scripts)) {
    for (const [name, addon] of Object.entries(builds)) {
      const out = execFileSync(process.execPath, ['-e', scripts[kind]], { env: { ...process.env, DBN_ADDON_PATH: addon }, encoding: 'utf8' });
      ((samples[`${kind}/${name}`] ??= [])).push(JSON.parse(out.trim().split('\n').pop()));
    }
  }
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const cell = (k, f) => (samples[k] ? median(samples[k].map((x) => x[f])).toFixed(1) : '-');
console.log(`| ${rounds} rounds, medians | before ms | before RSS MiB | after ms | after RSS MiB |`);
console.log('|---|---:|---:|---:|---:|');
console.log(`| require + loadTokenizer + encode | ${cell('tokenizer/before', 'ms')} | ${cell('tokenizer/before', 'rss')} | ${cell('tokenizer/after', 'ms')} | ${cell('tokenizer/after', 'rss')} |`);
console.log(`| (of which require, JS only) | ${cell('tokenizer/before', 'require')} | | ${cell('tokenizer/after', 'require')} | |`);
console.log(`| (of which the addon's load) | ${cell('tokenizer/before', 'addon')} | | ${cell('tokenizer/after', 'addon')} | |`);
console.log(`| (of which loadTokenizer + encode) | ${cell('tokenizer/before', 'tok')} | | ${cell('tokenizer/after', 'tok')} | |`);
console.log(`| require + loadModel + first fill-mask | ${cell('model/before', 'ms')} | ${cell('model/before', 'rss')} | ${cell('model/after', 'ms')} | ${cell('model/after', 'rss')} |`);
console.log(`| (of which require + loadModel) | ${cell('model/before', 'load')} | | ${cell('model/after', 'load')} | |`);
console.log(`| (of which first fill-mask) | ${cell('model/before', 'first')} | | ${cell('model/after', 'first')} | |`);
if (args.includes('--json')) console.log(JSON.stringify(samples));
