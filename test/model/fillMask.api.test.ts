/** Fill-mask API behaviour: batching equals single calls, typed errors, off-thread execution. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../lib/index';
import { fixture, scratchCopy, rejection } from '../helpers';

let dir: string;
let model: Model;

beforeAll(async () => {
  dir = fixture('tiny-mlm-s1', ['--seed', '1']);
  model = await loadModel(dir);
});
afterAll(() => model?.dispose());

describe('batching', () => {
  it('a batch of mixed-length inputs equals one input at a time', async () => {
    const texts = [
      'a [MASK].',
      'The quick brown fox jumps over the lazy [MASK] while the farmer [MASK] watches from afar.',
      '[MASK] is here',
      'x '.repeat(150) + '[MASK] and more words after the mask to make it long',
      'Today is a [mask] day!',
    ];
    const batch = await model.fillMask(texts, { topK: 7 });
    expect(batch.length).toBe(texts.length);
    for (let i = 0; i < texts.length; i++) {
      const single = await model.fillMask(texts[i]!, { topK: 7 });
      expect(batch[i]!.length).toBe(single.length);
      batch[i]!.forEach((candidates, m) => {
        expect(candidates.map((c) => c.token)).toEqual(single[m]!.map((c) => c.token));
        candidates.forEach((c, j) => expect(Math.abs(c.score - single[m]![j]!.score)).toBeLessThan(1e-5));
        expect(candidates.map((c) => c.sequence)).toEqual(single[m]!.map((c) => c.sequence));
      });
    }
  });

  it('keeps input order across length-sorted chunks of a large batch', async () => {
    const texts = Array.from({ length: 150 }, (_, i) => `${'word '.repeat(i % 37)}number ${i} is [MASK].`);
    const batch = await model.fillMask(texts, { topK: 1 });
    const probe = [0, 36, 73, 149];
    for (const i of probe) {
      const [single] = await model.fillMask(texts[i]!, { topK: 1 });
      expect(batch[i]![0]![0]!.token).toBe(single![0]!.token);
      expect(batch[i]![0]![0]!.sequence).toBe(single![0]!.sequence);
    }
  });

  it('returns HF-shaped results: one array per mask, sequence keeps other masks', async () => {
    const out = await model.fillMask('the [MASK] and the [MASK]', { topK: 2 });
    expect(out.length).toBe(2);
    for (const c of out.flat()) {
      expect(Object.keys(c).sort()).toEqual(['score', 'sequence', 'token', 'token_str']);
      expect(c.sequence).toContain('[MASK]');
      expect(c.sequence.startsWith('[CLS]')).toBe(true);
    }
    const [single] = await model.fillMask('the [MASK] here', { topK: 3 });
    expect(single!.length).toBe(3);
    expect(single![0]!.sequence).toBe(`the ${single![0]!.token_str} here`);
    expect(single![0]!.score).toBeGreaterThanOrEqual(single![1]!.score);
  });

  it('an empty array gives an empty array; topK above the vocabulary is capped', async () => {
    expect(await model.fillMask([])).toEqual([]);
    const [all] = await model.fillMask('[MASK]', { topK: 100_000 });
    expect(all!.length).toBe(30522);
    const sum = all!.reduce((a, c) => a + c.score, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(1e-3);
  });
});

describe('errors', () => {
  it('an input without a mask rejects DBN_NO_MASK and keeps the caller stack', async () => {
    const e = await rejection(model.fillMask(['fine [MASK]', 'no mask here']));
    expect(e.code).toBe('DBN_NO_MASK');
    expect(e.message).toMatch(/Input 1 has no mask/);
    expect(e.stack).toMatch(/fillMask\.api\.test\.ts/);
  });

  it('validates arguments with DBN_INVALID_ARGUMENT', async () => {
    const bad: [unknown, unknown][] = [
      [42, {}],
      [['ok [MASK]', 7], {}],
      ['a [MASK]', { topK: 0 }],
      ['a [MASK]', { topK: -3 }],
      ['a [MASK]', { topK: Number.NaN }],
      ['a [MASK]', { topK: 2.5 }],
      ['a [MASK]', { targets: [3] }],
      ['a [MASK]', { targets: [] }],
      ['a [MASK]', null],
    ];
    for (const [input, options] of bad) {
      const e = await rejection(model.fillMask(input as string, options as object));
      expect(e.code, JSON.stringify([input, options])).toBe('DBN_INVALID_ARGUMENT');
      expect(e.message).toMatch(/^Expected |^None of the targets/);
    }
  });

  it('an input over the position limit rejects DBN_INPUT_TOO_LONG, then the model still works', async () => {
    const e = await rejection(model.fillMask('word '.repeat(600) + '[MASK]'));
    expect(e.code).toBe('DBN_INPUT_TOO_LONG');
    expect(e.message).toMatch(/at most 512/);
    expect((await model.fillMask('still [MASK] fine')).length).toBe(1);
  });

  it('model files: missing dir, non-DistilBERT config, bad shapes, lying header', async () => {
    expect((await rejection(loadModel('/nonexistent/model'))).code).toBe('DBN_MODEL_LOAD_FAILED');
    const empty = scratchCopy(dir, 'empty');
    for (const f of fs.readdirSync(empty)) fs.rmSync(path.join(empty, f));
    expect((await rejection(loadModel(empty))).code).toBe('DBN_MODEL_LOAD_FAILED');

    const bert = scratchCopy(dir, 'bert');
    const cfg = JSON.parse(fs.readFileSync(path.join(bert, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(bert, 'config.json'), JSON.stringify({ ...cfg, model_type: 'bert' }));
    const e1 = await rejection(loadModel(bert));
    expect(e1.code).toBe('DBN_UNSUPPORTED_MODEL');
    expect(e1.message).toMatch(/model_type/);

    const shapes = scratchCopy(dir, 'shapes');
    fs.writeFileSync(path.join(shapes, 'config.json'), JSON.stringify({ ...cfg, dim: 64, n_heads: 4 }));
    const e2 = await rejection(loadModel(shapes));
    expect(e2.code).toBe('DBN_UNSUPPORTED_MODEL');
    expect(e2.message).toMatch(/word_embeddings\.weight" has shape \[30522, 32\]/);

    const lying = scratchCopy(dir, 'lying');
    const st = path.join(lying, 'model.safetensors');
    const bytes = fs.readFileSync(st);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    const header = bytes.subarray(8, 8 + headerLen).toString('utf8');
    const patched = header.replace(/"data_offsets":\[(\d+),(\d+)\]/, (_m, b, en) => {
      const bigger = String(Number(en) + 4);
      return `"data_offsets":[${b},${bigger.padStart(en.length, '0')}]`;
    });
    fs.writeFileSync(st, Buffer.concat([bytes.subarray(0, 8), Buffer.from(patched.slice(0, headerLen).padEnd(headerLen)), bytes.subarray(8 + headerLen)]));
    const e3 = await rejection(loadModel(lying));
    expect(e3.code).toBe('DBN_MODEL_LOAD_FAILED');
    expect(e3.message).toMatch(/invalid safetensors/);

    // Rewrites the header's JSON (same length, padded) and keeps the data section.
    const patchHeader = (name: string, edit: (header: string) => string): string => {
      const d = scratchCopy(dir, name);
      const file = path.join(d, 'model.safetensors');
      const raw = fs.readFileSync(file);
      const len = Number(raw.readBigUInt64LE(0));
      const edited = edit(raw.subarray(8, 8 + len).toString('utf8'));
      expect(edited.length).toBeLessThanOrEqual(len);
      fs.writeFileSync(file, Buffer.concat([raw.subarray(0, 8), Buffer.from(edited.padEnd(len)), raw.subarray(8 + len)]));
      return d;
    };
    const overlapping = patchHeader('overlap', (h) => {
      const spans = [...h.matchAll(/"data_offsets":\[(\d+),(\d+)\]/g)];
      const [, b1] = spans[1]!;
      // Move the second tensor's range back by 4 bytes: same size, overlapping the first.
      return h.replace(spans[1]![0], `"data_offsets":[${Number(b1) - 4},${Number(spans[1]![2]) - 4}]`.padEnd(spans[1]![0].length));
    });
    const e4 = await rejection(loadModel(overlapping));
    expect(e4.code).toBe('DBN_MODEL_LOAD_FAILED');
    expect(e4.message).toMatch(/overlap/);
    const wrongDtype = patchHeader('dtype', (h) => h.replace('"dtype":"F32"', '"dtype":"Q4"'));
    const e5 = await rejection(loadModel(wrongDtype));
    expect(e5.code).toBe('DBN_MODEL_LOAD_FAILED');
    expect(e5.message).toMatch(/unsupported dtype "Q4"/);
    const intWeights = patchHeader('int', (h) => h.replace(/embeddings\.LayerNorm\.weight":\{"dtype":"F32"/, (m) => m.replace('F32', 'I32')));
    const e6 = await rejection(loadModel(intWeights));
    expect(e6.code).toBe('DBN_UNSUPPORTED_MODEL');
    expect(e6.message).toMatch(/LayerNorm\.weight" is not floating point/);

    const truncated = scratchCopy(dir, 'truncated');
    const t = path.join(truncated, 'model.safetensors');
    fs.truncateSync(t, Math.floor(fs.statSync(t).size / 2));
    expect((await rejection(loadModel(truncated))).code).toBe('DBN_MODEL_LOAD_FAILED');
  });

  it('options are validated', async () => {
    expect((await rejection(loadModel(dir, { device: 'tpu' }))).code).toBe('DBN_INVALID_ARGUMENT');
    expect((await rejection(loadModel(dir, { threads: -1 }))).code).toBe('DBN_INVALID_ARGUMENT');
    expect((await rejection(loadModel(dir, { dtype: 'int4' as 'float32' }))).code).toBe('DBN_INVALID_ARGUMENT');
    expect((await rejection(loadModel(42 as unknown as string))).code).toBe('DBN_INVALID_ARGUMENT');
  });

  it('dispose is idempotent: the in-flight call finishes, queued and later calls reject DBN_DISPOSED', async () => {
    const m = await loadModel(dir);
    const running = m.fillMask('running before [MASK] dispose');
    await new Promise((r) => setImmediate(r)); // now in flight
    const queued = m.fillMask('queued [MASK]').catch((e: unknown) => e as { code?: string });
    await Promise.all([m.dispose(), m.dispose()]);
    expect((await running).length).toBe(1);
    expect((await queued).code).toBe('DBN_DISPOSED');
    expect(m.info.state).toBe('disposed');
    expect((await rejection(m.fillMask('a [MASK]'))).code).toBe('DBN_DISPOSED');
    await m.dispose();
  });
});

describe('threads', () => {
  it('inference runs off the JS thread: a timer keeps firing during a large batch', async () => {
    const texts = Array.from({ length: 512 }, (_, i) => `${'filler text '.repeat(55)} item ${i} [MASK].`);
    let ticks = 0;
    let maxGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 5);
    const start = performance.now();
    const out = await model.fillMask(texts, { topK: 1 });
    const elapsed = performance.now() - start;
    clearInterval(timer);
    expect(out.length).toBe(texts.length);
    // Only meaningful if the batch took a while; then the timer must have run throughout.
    expect(elapsed).toBeGreaterThan(200);
    expect(ticks).toBeGreaterThan(elapsed / 5 / 4);
    expect(maxGap).toBeLessThan(elapsed / 2);
  });
});
