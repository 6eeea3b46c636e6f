// Cold start of two builds of the addon, side by side: fresh processes of bench/cold-start.js,
// interleaved A B B A ... so that a busy spell of the machine hits both builds alike. Prints
// the median and range of every field per build, and the ratio of the medians (B / A).
//
//   node bench/cold-start-ab.mjs --a OLD.node --b NEW.node [--rounds 6] [--model fixtures/random-base]
//
// A build is a distilbert_native.node file (loaded through DBN_ADDON_PATH); the TypeScript
// side is this checkout's dist/ for both.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, parseArgs } from './common.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const a = parseArgs(process.argv.slice(2));
if (!a.a || !a.b) throw new Error('usage: node bench/cold-start-ab.mjs --a OLD.node --b NEW.node [--rounds N] [--model DIR]');
const rounds = Number(a.rounds ?? 6);
const model = path.resolve(ROOT, a.model ?? 'fixtures/random-base');
const builds = { A: path.resolve(a.a), B: path.resolve(a.b) };
const runs = { A: [], B: [] };

for (let r = 0; r < rounds; r++) {
  for (const name of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const p = spawnSync(process.execPath, [path.join(ROOT, 'bench/cold-start.js'), model], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, DBN_ADDON_PATH: builds[name] },
    });
    if (p.status !== 0) throw new Error(`${name} round ${r}: exit ${p.status}: ${p.stderr.slice(-500)}`);
    runs[name].push(JSON.parse(p.stdout.trim().split('\n').pop()));
  }
}

const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log(`A = ${builds.A}\nB = ${builds.B}\n${rounds} rounds each, interleaved; median [min-max]\n`);
console.log('| field | A | B | B / A |\n|---|---:|---:|---:|');
for (const key of Object.keys(runs.A[0])) {
  const xa = runs.A.map((o) => o[key]);
  const xb = runs.B.map((o) => o[key]);
  const ma = median(xa);
  const mb = median(xb);
  const range = (xs) => `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
  console.log(`| ${key} | ${fmt(ma)} [${range(xa)}] | ${fmt(mb)} [${range(xb)}] | ${(mb / ma).toFixed(2)} |`);
}
