/**
 * Hostile files and arguments (issue 10, engine side). Every case runs in its own child
 * process on the compiled package (dist/index.js), so a crash (a signal), a hang (the time
 * limit) or an abort shows as what it is instead of taking the test runner down. Hostile
 * fixtures are made here, at test time: FIFOs, symlinks to /dev/zero, deep JSON, crafted
 * safetensors headers.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, fixture, scratchCopy } from '../helpers';

interface Child { status: number | null; signal: NodeJS.Signals | null; out: Record<string, unknown>; stderr: string; ms: number }

/** Runs `body` (an async function body; `dbn` is the package) in a fresh node; it prints JSON. */
async function child(body: string, timeoutMs = 60_000): Promise<Child> {
  const script = `const dbn = require(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
const report = (o) => process.stdout.write(JSON.stringify(o));
const fail = (e) => ({ code: e && e.code, message: String(e && e.message) });
(async () => { ${body} })().then(() => process.exit(0), (e) => { report({ uncaught: fail(e) }); process.exit(3); });`;
  const start = Date.now();
  // Asynchronous, so the test worker keeps answering vitest while a child runs.
  const r = await new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
  });
  const ms = Date.now() - start;
  let out: Record<string, unknown> = {};
  try { out = JSON.parse(r.stdout || '{}'); } catch { out = { unparsed: r.stdout.slice(0, 500) }; }
  return { status: r.status, signal: r.signal, out, stderr: r.stderr.slice(0, 2000), ms };
}

/** loadModel(dir) in a child; returns its rejection's code and message (or "loaded"). */
function loadIn(dir: string, options = '{}', timeoutMs = 60_000): Promise<Child> {
  return child(`try { const m = await dbn.loadModel(${JSON.stringify(dir)}, ${options}); report({ loaded: true, info: m.info }); await m.dispose(); }
  catch (e) { report(fail(e)); }`, timeoutMs);
}

function expectRejected(c: Child, code: string, mention?: RegExp): void {
  expect(c.signal, c.stderr).toBeNull();
  expect(c.status, c.stderr).toBe(0);
  expect(c.out.code, JSON.stringify(c.out)).toBe(code);
  expect(String(c.out.message).length).toBeLessThan(600); // short: never a dump of a value
  if (mention) expect(String(c.out.message)).toMatch(mention);
}

function nested(depth: number, leaf = '"distilbert"'): string {
  return '['.repeat(depth) + leaf + ']'.repeat(depth);
}

let base: string;
beforeAll(() => {
  base = fixture('tiny-mlm-s1', ['--seed', '1']);
});

describe('deeply nested JSON (item 3)', () => {
  for (const depth of [10_000, 100_000]) {
    it(`config.json model_type nested ${depth} deep is a short DBN_MODEL_LOAD_FAILED`, async () => {
      const dir = scratchCopy(base, `deep-config-${depth}`);
      const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      const text = JSON.stringify(config).replace('"model_type":"distilbert"', `"model_type":${nested(depth)}`);
      fs.writeFileSync(path.join(dir, 'config.json'), text);
      expectRejected(await loadIn(dir), 'DBN_MODEL_LOAD_FAILED', /nests deeper/);
    });
  }
  it('tokenizer.json nested 100,000 deep is a short typed error, from loadModel and loadTokenizer', async () => {
    const dir = scratchCopy(base, 'deep-tokenizer');
    const tok = fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8');
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), tok.replace('"version"', `"deep":${nested(100_000, '1')},"version"`));
    expectRejected(await loadIn(dir), 'DBN_MODEL_LOAD_FAILED', /nests deeper/);
    const c = await child(`try { await dbn.loadTokenizer(${JSON.stringify(dir)}); report({ loaded: true }); } catch (e) { report(fail(e)); }`);
    expectRejected(c, 'DBN_MODEL_LOAD_FAILED', /nests deeper/);
  });
  it('a safetensors header nested 100,000 deep is DBN_MODEL_LOAD_FAILED', async () => {
    const dir = scratchCopy(base, 'deep-safetensors');
    const header = Buffer.from(`{"a":${nested(100_000, '1')}}`);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([len, header]));
    expectRejected(await loadIn(dir), 'DBN_MODEL_LOAD_FAILED');
  });
});

describe('special files (item 4)', () => {
  it('a FIFO named tokenizer.json fails fast instead of hanging', async () => {
    const dir = scratchCopy(base, 'fifo-tokenizer');
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    spawnSync('mkfifo', [path.join(dir, 'tokenizer.json')]);
    expect(fs.statSync(path.join(dir, 'tokenizer.json')).isFIFO()).toBe(true);
    const c = await loadIn(dir, '{}', 30_000);
    expectRejected(c, 'DBN_MODEL_LOAD_FAILED', /not a regular file/);
    const t = await child(`try { await dbn.loadTokenizer(${JSON.stringify(path.join(dir, 'tokenizer.json'))}); report({}); } catch (e) { report(fail(e)); }`, 30_000);
    expectRejected(t, 'DBN_MODEL_LOAD_FAILED', /not a regular file/);
  });
  it('a FIFO named vocab.txt (no tokenizer.json) fails fast', async () => {
    const dir = scratchCopy(base, 'fifo-vocab');
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    fs.rmSync(path.join(dir, 'vocab.txt'));
    spawnSync('mkfifo', [path.join(dir, 'vocab.txt')]);
    expectRejected(await loadIn(dir, '{}', 30_000), 'DBN_MODEL_LOAD_FAILED', /not a regular file/);
  });
  it('tokenizer.json and config.json symlinked to /dev/zero fail fast', async () => {
    for (const name of ['tokenizer.json', 'config.json']) {
      const dir = scratchCopy(base, `devzero-${name}`);
      fs.rmSync(path.join(dir, name));
      fs.symlinkSync('/dev/zero', path.join(dir, name));
      const c = await loadIn(dir, '{}', 30_000);
      expectRejected(c, 'DBN_MODEL_LOAD_FAILED');
      expect(c.ms).toBeLessThan(30_000);
    }
  });
  it('a FIFO as model.safetensors fails fast', async () => {
    const dir = scratchCopy(base, 'fifo-weights');
    fs.rmSync(path.join(dir, 'model.safetensors'));
    spawnSync('mkfifo', [path.join(dir, 'model.safetensors')]);
    const c = await loadIn(path.join(dir, 'model.safetensors'), '{}', 30_000);
    expect(c.signal).toBeNull();
    expect(['DBN_MODEL_LOAD_FAILED']).toContain(c.out.code);
  });
});

describe('weights file changed after load (item 5)', () => {
  // dim 64: Q, K and V are packed straight from the mapping into their rows of the fused GEMM
  // (the tiny fixture's 32-wide parts are concatenated first); both dtypes pack differently.
  let wide: string;
  beforeAll(() => {
    wide = fixture('dim64-mlm-s1', ['--seed', '1', '--dim', '64', '--hidden-dim', '128']);
  });
  for (const dtype of ['float32', 'bfloat16']) {
    for (const damage of ['truncate', 'overwrite', 'delete']) {
      it(`${damage} model.safetensors after loadModel (${dtype}): same answers, no signal, file unmapped`, async () => {
        const dir = scratchCopy(wide, `changed-${damage}-${dtype}`);
        const weights = path.join(dir, 'model.safetensors');
        const act = damage === 'truncate' ? `fs.truncateSync(${JSON.stringify(weights)}, 0);`
          : damage === 'overwrite' ? `const fd = fs.openSync(${JSON.stringify(weights)}, 'r+'); const size = fs.fstatSync(fd).size; const junk = Buffer.alloc(size, 0x41); fs.writeSync(fd, junk, 0, size - 1024, 1024); fs.closeSync(fd);`
            : `fs.rmSync(${JSON.stringify(weights)});`;
        const c = await child(`const fs = require('fs');
          let m;
          try {
            m = await dbn.loadModel(${JSON.stringify(dir)}, { threads: 1, dtype: ${JSON.stringify(dtype)} });
          } catch (e) {
            if (e.code === 'DBN_INVALID_ARGUMENT' && ${JSON.stringify(dtype)} === 'bfloat16') return report({ skipped: e.message });
            throw e;
          }
          // No page of the file stays mapped once the load is over.
          const mapped = fs.readFileSync('/proc/self/maps', 'utf8').includes(${JSON.stringify(weights)});
          const text = ['Paris is the [MASK] of France.', 'a [MASK] b'];
          const before = await m.fillMask(text, { topK: 5 });
          ${act}
          const after = await m.fillMask(text, { topK: 5 });
          report({ same: JSON.stringify(before) === JSON.stringify(after), mapped });
          await m.dispose();`);
        expect(c.signal, c.stderr).toBeNull();
        expect(c.status, c.stderr + JSON.stringify(c.out)).toBe(0);
        if (c.out.skipped) return; // this CPU has no bfloat16 matmul
        expect(c.out.mapped).toBe(false);
        expect(c.out.same).toBe(true);
      });
    }
  }
});

describe('huge lengths (item 6)', () => {
  for (const [name, options] of [
    ['maxLength 1e9 with max_length padding', "{ padding: 'max_length', maxLength: 1e9 }"],
    ['padToMultipleOf 1e9', '{ padding: true, padToMultipleOf: 1e9 }'],
    ['maxLength 3e7 with truncation', '{ truncation: true, maxLength: 3e7 }'],
  ]) {
    it(`encode with ${name} is DBN_INVALID_ARGUMENT at once`, async () => {
      const c = await child(`const tok = await dbn.loadTokenizer(${JSON.stringify(base)});
        try { tok.encode('a', null, ${options}); report({ ok: true }); } catch (e) { report(fail(e)); }`, 30_000);
      expectRejected(c, 'DBN_INVALID_ARGUMENT');
      expect(c.ms).toBeLessThan(30_000);
    });
  }
});

describe('threads (item 7)', () => {
  it('threads: 1024 is capped to the core count and a call stays fast', async () => {
    const c = await child(`const os = require('os');
      const m = await dbn.loadModel(${JSON.stringify(base)}, { threads: 1024 });
      const t0 = Date.now(); await m.fillMask('a [MASK] b'); const ms = Date.now() - t0;
      report({ threads: m.info.threads, cores: os.cpus().length, ms }); await m.dispose();`);
    expect(c.status, c.stderr).toBe(0);
    expect(c.out.threads).toBeLessThanOrEqual(Math.max(1, Number(c.out.cores)));
    expect(Number(c.out.ms)).toBeLessThan(5_000);
  });
});

describe('checkpoints that disagree with themselves (item 8)', () => {
  const edit = (name: string, file: string, from: RegExp, to: string): string => {
    const dir = scratchCopy(base, name);
    const p = path.join(dir, file);
    const text = fs.readFileSync(p, 'utf8');
    expect(text).toMatch(from);
    fs.writeFileSync(p, text.replace(from, to));
    return dir;
  };
  it('n_layers 1 over a 2-layer checkpoint names n_layers', async () => {
    expectRejected(await loadIn(edit('nlayers', 'config.json', /"n_layers": *2/, '"n_layers": 1')), 'DBN_UNSUPPORTED_MODEL', /n_layers/);
  });
  it('vocab_size 1000 is rejected at load', async () => {
    expectRejected(await loadIn(edit('vocab1000', 'config.json', /"vocab_size": *30522/, '"vocab_size": 1000')), 'DBN_UNSUPPORTED_MODEL', /1000/);
  });
  it('a template [CLS] id of 99,999,999 is rejected at load, naming it', async () => {
    const dir = scratchCopy(base, 'cls-id');
    const p = path.join(dir, 'tokenizer.json');
    const tok = JSON.parse(fs.readFileSync(p, 'utf8'));
    const pp = tok.post_processor;
    if (pp.type === 'TemplateProcessing') pp.special_tokens['[CLS]'].ids = [99_999_999];
    else pp.cls[1] = 99_999_999;
    fs.writeFileSync(p, JSON.stringify(tok));
    expectRejected(await loadIn(dir), 'DBN_UNSUPPORTED_MODEL', /99999999/);
  });
  it('a masked-LM checkpoint whose tokenizer has no mask token is rejected at load', async () => {
    const dir = scratchCopy(base, 'no-mask');
    const p = path.join(dir, 'tokenizer.json');
    fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replaceAll('[MASK]', '[MAZK]'));
    expectRejected(await loadIn(dir), 'DBN_UNSUPPORTED_MODEL', /mask token/);
  });
  for (const v of ['-1', '1e300']) {
    it(`max_input_chars_per_word ${v} is rejected at load`, async () => {
      expectRejected(await loadIn(edit(`maxchars${v}`, 'tokenizer.json', /"max_input_chars_per_word": *100/, `"max_input_chars_per_word":${v}`)),
        'DBN_UNSUPPORTED_MODEL', /max_input_chars_per_word/);
    });
  }
});

describe('malformed files are never DBN_INTERNAL (item 9)', () => {
  it('a shape [0, 18446744073709551615] is DBN_MODEL_LOAD_FAILED', async () => {
    const dir = scratchCopy(base, 'shape-u64');
    const header = Buffer.from('{"distilbert.embeddings.word_embeddings.weight":{"dtype":"F32","shape":[0,18446744073709551615],"data_offsets":[0,0]}}');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([len, header]));
    expectRejected(await loadIn(dir), 'DBN_MODEL_LOAD_FAILED', /dimension/);
  });
  it('a tensor the config does not account for is DBN_UNSUPPORTED_MODEL', async () => {
    const dir = scratchCopy(base, 'extra-tensor');
    const p = path.join(dir, 'model.safetensors');
    const buf = fs.readFileSync(p);
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString());
    const data = buf.subarray(8 + n);
    header['extra.weight'] = { dtype: 'F32', shape: [1], data_offsets: [data.length, data.length + 4] };
    const h = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    fs.writeFileSync(p, Buffer.concat([len, h, data, Buffer.alloc(4)]));
    expectRejected(await loadIn(dir), 'DBN_UNSUPPORTED_MODEL', /extra\.weight/);
  });
});

describe('paths with a NUL byte (item 10)', () => {
  it('loadModel and loadTokenizer reject them with DBN_INVALID_ARGUMENT', async () => {
    const p = JSON.stringify(`${base}\0/elsewhere`);
    expectRejected(await loadIn(JSON.parse(p)), 'DBN_INVALID_ARGUMENT', /NUL/);
    const t = await child(`try { await dbn.loadTokenizer(${p}); report({}); } catch (e) { report(fail(e)); }`);
    expectRejected(t, 'DBN_INVALID_ARGUMENT', /NUL/);
  });
});
