// `distilbert-native batch` against the in-process API on the same inputs (fill-mask, topK 5).
// API: loadModel once, then fillMask on the texts in arrays, driven two ways (see api()); the
// faster is the baseline. CLI: the batch command as a child
// process, reading JSONL and writing JSONL, timed two ways: the whole process (node start,
// model load, I/O) and the rows alone (the same work the API row times). Prints a markdown table.
//   node bench/batch-throughput.mjs --model DIR [--lines 50000] [--rounds 3] [--rss-lines 1000000]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from './common.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { loadModel } = require(path.join(ROOT, 'dist', 'index.js'));
const CLI = path.join(ROOT, 'dist', 'cli', 'main.js');

const args = parseArgs(process.argv.slice(2));
const model = args.model ?? path.join(ROOT, 'fixtures', 'tiny-mlm-s1');
const lines = Number(args.lines ?? 50000);
const rounds = Number(args.rounds ?? 3);
const rssLines = Number(args['rss-lines'] ?? 0);
const words = ['paris', 'city', 'river', 'the', 'a', 'small', 'house', 'green', 'music', 'book', 'is', 'of', 'and', 'to'];
const text = (i) => {
  const n = 4 + (i % 17);
  const w = Array.from({ length: n }, (_, j) => words[(i * 7 + j * 3) % words.length]);
  w[(i * 5) % n] = '[MASK]';
  return w.join(' ') + '.';
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dbn-bench-batch-'));

function writeInput(n) {
  const f = path.join(tmp, `in-${n}.jsonl`);
  const out = fs.openSync(f, 'w');
  let buf = '';
  for (let i = 0; i < n; i++) {
    buf += JSON.stringify({ text: text(i) }) + '\n';
    if (buf.length > 1 << 20) (fs.writeSync(out, buf), (buf = ''));
  }
  fs.writeSync(out, buf);
  fs.closeSync(out);
  return f;
}

// Two ways to drive the API; the table keeps the faster as the baseline.
//   all: every text submitted at once in arrays of 256;
//   window: arrays of 64 with 4 in flight (what the CLI does, minus its file I/O and JSON).
async function api(n, mode) {
  const m = await loadModel(model);
  const texts = Array.from({ length: n }, (_, i) => text(i));
  await m.fillMask(texts.slice(0, 64), { topK: 5 }); // warm-up
  const t0 = performance.now();
  let count = 0;
  if (mode === 'all') {
    const parts = [];
    for (let i = 0; i < n; i += 256) parts.push(m.fillMask(texts.slice(i, i + 256), { topK: 5 }));
    count = (await Promise.all(parts)).flat().length;
  } else {
    const window = [];
    for (let i = 0; i < n; i += 64) {
      window.push(m.fillMask(texts.slice(i, i + 64), { topK: 5 }));
      if (window.length >= 4) count += (await window.shift()).length;
    }
    for (const p of window) count += (await p).length;
  }
  const s = (performance.now() - t0) / 1000;
  if (count !== n) throw new Error('api: wrong count');
  await m.dispose();
  return s;
}

function cli(input, n) {
  const out = path.join(tmp, 'out.jsonl');
  fs.rmSync(out, { force: true });
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, 'batch', '--model', model, '--task', 'fill-mask', '-i', input, '-o', out, '-k', '5'], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`cli failed: ${r.stderr}`);
  const m = /lines \((\d+) ok, (\d+) failed\) in ([\d.]+) s/.exec(r.stderr);
  if (!m || Number(m[1]) !== n) throw new Error(`cli: unexpected summary ${r.stderr}`);
  const maxRssKiB = Number(r.stderr.trim().split('\n').at(-1));
  return { wall, rows: Number(m[3]), maxRssMiB: maxRssKiB / 1024 };
}

const input = writeInput(lines);
const res = { apiAll: [], apiWindow: [], cliRows: [], cliWall: [], rss: [] };
for (let r = 0; r < rounds; r++) {
  res.apiAll.push(await api(lines, 'all'));
  res.apiWindow.push(await api(lines, 'window'));
  const c = cli(input, lines);
  res.cliRows.push(c.rows);
  res.cliWall.push(c.wall);
  res.rss.push(c.maxRssMiB);
}
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const rate = (s) => (lines / s).toFixed(0);
console.log(`fill-mask, topK 5, ${lines} lines, model ${path.basename(model)}, ${os.cpus().length} cores, median of ${rounds} interleaved rounds\n`);
const best = Math.min(median(res.apiAll), median(res.apiWindow));
res.api = [best];
console.log('| path | seconds | lines/s | vs best API |');
console.log('|---|---:|---:|---:|');
console.log(`| in-process API, arrays of 256 all in flight | ${median(res.apiAll).toFixed(2)} | ${rate(median(res.apiAll))} | ${(best / median(res.apiAll)).toFixed(2)} |`);
console.log(`| in-process API, arrays of 64, 4 in flight | ${median(res.apiWindow).toFixed(2)} | ${rate(median(res.apiWindow))} | ${(best / median(res.apiWindow)).toFixed(2)} |`);
console.log(`| batch CLI, rows (read JSONL → write JSONL) | ${median(res.cliRows).toFixed(2)} | ${rate(median(res.cliRows))} | ${(median(res.api) / median(res.cliRows)).toFixed(2)} |`);
console.log(`| batch CLI, whole process (node start + model load + rows) | ${median(res.cliWall).toFixed(2)} | ${rate(median(res.cliWall))} | ${(median(res.api) / median(res.cliWall)).toFixed(2)} |`);
console.log(`\nbatch CLI peak RSS at ${lines} lines: ${median(res.rss).toFixed(1)} MiB`);
if (rssLines > 0) {
  const big = writeInput(rssLines);
  const c = cli(big, rssLines);
  console.log(`batch CLI peak RSS at ${rssLines} lines: ${c.maxRssMiB.toFixed(1)} MiB (${c.rows.toFixed(1)} s, ${(rssLines / c.rows).toFixed(0)} lines/s; input ${(fs.statSync(big).size / 2 ** 20).toFixed(0)} MiB)`);
}
fs.rmSync(tmp, { recursive: true, force: true });
