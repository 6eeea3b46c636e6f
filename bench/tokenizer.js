#!/usr/bin/env node
/**
 * Tokenizer throughput: this package's C++ WordPiece against Hugging Face's Rust tokenizer
 * (npm `tokenizers`, a devDependency), on the same generated corpus, in one run. Prints a
 * Markdown table (and JSON lines with --json).
 *
 *   npm run bench:tokenizer -- [--lines N] [--iterations N] [--tokenizer DIR_OR_FILE]
 *
 * Needs the addon (npm run build:native) and dist/ (npm run build:ts). Single-thread rows pin
 * both sides to one thread: ours with { threads: 1 }, the Rust side in a child process with
 * RAYON_NUM_THREADS=1 and TOKENIZERS_PARALLELISM=false. "ids+tokens+offsets" rows include
 * reading those fields into JS (the Rust binding converts lazily, on getIds() etc.).
 */
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const get = (flag, def) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : def;
};
const LINES = Number(get('--lines', '100000'));
const ITER = Number(get('--iterations', '3'));
const TOKENIZER = get('--tokenizer', path.resolve(ROOT, '..', 'shared', 'data', 'distilbert-base-uncased', 'tokenizer.json'));
const { ensureCorpus } = require('../tools/tokenizer/gen-tokenizer-corpus.js');

function best(fn) {
  let t = Infinity;
  let tokens = 0;
  for (let i = 0; i < ITER; i++) {
    const t0 = process.hrtime.bigint();
    tokens = fn();
    t = Math.min(t, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds: t, tokens };
}

async function bestAsync(fn) {
  let t = Infinity;
  let tokens = 0;
  for (let i = 0; i < ITER; i++) {
    const t0 = process.hrtime.bigint();
    tokens = await fn();
    t = Math.min(t, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { seconds: t, tokens };
}

/** Child process: the Rust tokenizer, single-threaded (env set by the parent). */
async function oracle(texts) {
  const { Tokenizer } = require('tokenizers');
  const tok = Tokenizer.fromFile(TOKENIZER);
  await tok.encodeBatch(texts.slice(0, 1000));
  const lazy = await bestAsync(async () => (await tok.encodeBatch(texts)).reduce((n, e) => n + e.getLength(), 0));
  const full = await bestAsync(async () => {
    let n = 0;
    for (const e of await tok.encodeBatch(texts)) {
      const ids = e.getIds();
      e.getTokens();
      e.getOffsets();
      n += ids.length;
    }
    return n;
  });
  return { lazy, full, version: require('tokenizers/package.json').version };
}

async function main() {
  const texts = ensureCorpus(ROOT, LINES, 1);
  if (args.includes('--oracle-child')) {
    process.stdout.write(JSON.stringify(await oracle(texts)) + '\n');
    return;
  }
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const rows = [];
  const row = (impl, mode, threads, r) =>
    rows.push({ impl, mode, threads, seconds: r.seconds, tokens: r.tokens, tokensPerS: r.tokens / r.seconds, mbPerS: bytes / r.seconds / 1e6 });

  // Rust first, in a child with one thread.
  const child = spawnSync(process.execPath, [__filename, ...args, '--oracle-child'], {
    env: { ...process.env, RAYON_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (child.status !== 0) throw new Error(`oracle child failed: ${child.stderr}`);
  const hf = JSON.parse(child.stdout.trim().split('\n').pop());
  row(`HF tokenizers ${hf.version} (Rust, npm)`, 'encodeBatch (lazy encodings)', 1, hf.lazy);
  row(`HF tokenizers ${hf.version} (Rust, npm)`, 'encodeBatch + ids+tokens+offsets', 1, hf.full);

  const { loadTokenizer } = require(path.join(ROOT, 'dist', 'index.js'));
  const tok = await loadTokenizer(TOKENIZER);
  tok.encodeBatch(texts.slice(0, 1000), { threads: 1 });
  const nat = tok.native;
  row('distilbert-native (C++, N-API)', 'native encodeBatch, ids+offsets', 1,
    best(() => nat.encodeBatch(texts, true, { threads: 1, tokens: false }).reduce((n, e) => n + e.ids.length, 0)));
  row('distilbert-native (C++, N-API)', 'Tokenizer.encodeBatch (all fields as JS arrays)', 1,
    best(() => tok.encodeBatch(texts, { threads: 1 }).reduce((n, e) => n + e.ids.length, 0)));
  const cores = os.cpus().length;
  if (cores > 1) {
    row('distilbert-native (C++, N-API)', 'native encodeBatch, ids+offsets', cores,
      best(() => nat.encodeBatch(texts, true, { threads: cores, tokens: false }).reduce((n, e) => n + e.ids.length, 0)));
  }

  // C++ core alone (no Node), when the native bench binary is built.
  const bin = path.join(ROOT, 'build', 'native', 'tokenizer', 'tokenizer_bench');
  if (fs.existsSync(bin)) {
    const file = path.join(ROOT, 'fixtures', `tokenizer-corpus-${LINES}.bin`);
    const parts = [];
    for (const t of texts) {
      const b = Buffer.from(t, 'utf8');
      const h = Buffer.alloc(4);
      h.writeUInt32LE(b.length);
      parts.push(h, b);
    }
    fs.writeFileSync(file, Buffer.concat(parts));
    const out = execFileSync(bin, ['--tokenizer', TOKENIZER, '--corpus', file, '--iterations', String(ITER), '--threads', String(cores)]);
    for (const line of out.toString().trim().split('\n')) {
      const r = JSON.parse(line);
      if (r.mode === 'encode') row('distilbert-native C++ core (no Node)', 'Tokenizer::Encode per text', 1, r);
      else row('distilbert-native C++ core (no Node)', 'Tokenizer::EncodeBatch', r.threads, r);
    }
  }

  const base = rows[1].tokensPerS; // Rust with every field read: what a JS caller gets
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  let md = `Corpus: ${texts.length.toLocaleString('en-US')} lines, ${(bytes / 1e6).toFixed(1)} MB UTF-8 (tools/tokenizer/gen-tokenizer-corpus.js, seed 1); ` +
    `${os.cpus()[0].model}, ${cores} cores; Node ${process.version}; best of ${ITER}.\n\n` +
    '| implementation | what is timed | threads | tokens/s | MB/s | vs Rust (1 thread, all fields) |\n|---|---|---:|---:|---:|---:|\n';
  for (const r of rows) {
    md += `| ${r.impl} | ${r.mode} | ${r.threads} | ${fmt(r.tokensPerS)} | ${r.mbPerS.toFixed(1)} | ${(r.tokensPerS / base).toFixed(2)}× |\n`;
  }
  process.stdout.write(md);
  if (args.includes('--json')) for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
