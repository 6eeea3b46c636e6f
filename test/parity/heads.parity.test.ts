/**
 * Every DistilBERT head through the binding, against tools/model/reference.py (float64 NumPy):
 * packed outputs for mixed-length batches, and batched equals single.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { native, type NativeModel } from '../../lib/native';
import { fixture, reference, torchscript } from '../helpers';

const TOL = 1e-4;
const TEXTS = ['Hello world!', 'The quick brown fox jumps over the lazy dog near Paris.', 'Zürich, 東京 and São Paulo.'];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

interface Batch {
  ids: Int32Array;
  lengths: Int32Array;
  padded: number[][];
  mask: number[][];
}

function batchOf(model: NativeModel, texts: string[]): Batch {
  const enc = model.tokenizer.encodeBatch(texts, true);
  const maxLen = Math.max(...enc.map((e) => e.ids.length));
  return {
    ids: Int32Array.from(enc.flatMap((e) => Array.from(e.ids))),
    lengths: Int32Array.from(enc.map((e) => e.ids.length)),
    padded: enc.map((e) => [...Array.from(e.ids), ...new Array(maxLen - e.ids.length).fill(0)]),
    mask: enc.map((e) => [...new Array(e.ids.length).fill(1), ...new Array(maxLen - e.ids.length).fill(0)]),
  };
}

/** Rows of a reference [b][s][...] tensor for real tokens only, flattened in input order. */
function packed(ref: number[][] | number[][][], lengths: Int32Array): number[] {
  return ref.flatMap((seq, i) => (seq as unknown[]).slice(0, lengths[i]!).flat() as number[]);
}

const HEADS: [string, string[], 'safetensors' | 'torchscript'][] = [
  ['tiny-seqcls-s2', ['--arch', 'sequence-classification', '--seed', '2'], 'safetensors'],
  ['tiny-seqcls-s2', ['--arch', 'sequence-classification', '--seed', '2'], 'torchscript'],
  ['tiny-tokcls-s3', ['--arch', 'token-classification', '--seed', '3', '--num-labels', '9'], 'safetensors'],
  ['tiny-tokcls-s3', ['--arch', 'token-classification', '--seed', '3', '--num-labels', '9'], 'torchscript'],
  ['tiny-qa-s4', ['--arch', 'question-answering', '--seed', '4', '--no-prefix'], 'safetensors'],
  ['tiny-qa-s4', ['--arch', 'question-answering', '--seed', '4', '--no-prefix'], 'torchscript'],
  ['tiny-base-s5', ['--arch', 'base', '--seed', '5', '--no-prefix'], 'safetensors'],
];

describe.each(HEADS)('%s (%s) via %s', (name, args, format) => {
  let dir: string;
  let model: NativeModel;
  beforeAll(async () => {
    dir = fixture(name, args);
    if (format === 'torchscript') torchscript(dir);
    model = await native().loadModel(dir, { format });
  });
  afterAll(() => model?.dispose());

  it('matches the reference on a mixed-length batch, and batched equals single', async () => {
    const b = batchOf(model, TEXTS);
    const req = { input_ids: b.padded, attention_mask: b.mask };
    const arch = model.info.config.architecture;
    if (arch === 'DistilBertForSequenceClassification') {
      const ref = reference<{ logits: number[][] }>(dir, req);
      const ours = await model.classify(b.ids, b.lengths);
      expect(maxDiff(ours, ref.logits.flat())).toBeLessThan(TOL);
      const single = await model.classify(Int32Array.from(b.padded[1]!.slice(0, b.lengths[1])), b.lengths.slice(1, 2));
      expect(maxDiff(single, ours.slice(3, 6))).toBeLessThan(1e-5);
      await expect(model.tokenClassify(b.ids, b.lengths)).rejects.toMatchObject({ code: 'DBN_UNSUPPORTED_MODEL' });
    } else if (arch === 'DistilBertForTokenClassification') {
      const ref = reference<{ logits: number[][][] }>(dir, req);
      const ours = await model.tokenClassify(b.ids, b.lengths);
      expect(ours.length).toBe(b.ids.length * 9);
      expect(maxDiff(ours, packed(ref.logits, b.lengths))).toBeLessThan(TOL);
      const single = await model.tokenClassify(Int32Array.from(b.padded[0]!.slice(0, b.lengths[0])), b.lengths.slice(0, 1));
      expect(maxDiff(single, ours.slice(0, b.lengths[0]! * 9))).toBeLessThan(1e-5);
    } else if (arch === 'DistilBertForQuestionAnswering') {
      const ref = reference<{ start_logits: number[][]; end_logits: number[][] }>(dir, req);
      const ours = await model.answerQuestion(b.ids, b.lengths);
      expect(maxDiff(ours.start, packed(ref.start_logits, b.lengths))).toBeLessThan(TOL);
      expect(maxDiff(ours.end, packed(ref.end_logits, b.lengths))).toBeLessThan(TOL);
    } else {
      expect(arch).toBe('DistilBertModel');
      const ref = reference<{ last_hidden_state: number[][][] }>(dir, req);
      const dim = model.info.config.dim;
      for (const pooling of ['mean', 'cls'] as const) {
        const ours = await model.embed(b.ids, b.lengths, pooling, false);
        const expected = ref.last_hidden_state.flatMap((seq, i) => {
          const rows = pooling === 'cls' ? [seq[0]!] : seq.slice(0, b.lengths[i]);
          return Array.from({ length: dim }, (_, d) => rows.reduce((a, r) => a + r[d]!, 0) / rows.length);
        });
        expect(maxDiff(ours, expected)).toBeLessThan(TOL);
        const normalized = await model.embed(b.ids, b.lengths, pooling, true);
        for (let i = 0; i < TEXTS.length; i++) {
          const row = normalized.slice(i * dim, (i + 1) * dim);
          expect(Math.abs(Math.hypot(...row) - 1)).toBeLessThan(1e-5);
        }
      }
      expect(() => model.embed(b.ids, b.lengths, 'max' as 'mean', false)).toThrow(/pooling/);
    }
  });

  it("hiddenStates: every real token's last hidden state, packed, for this head; batched equals single", async () => {
    const b = batchOf(model, TEXTS);
    const ref = reference<{ last_hidden_state: number[][][] }>(dir, { input_ids: b.padded, attention_mask: b.mask }, ['--hidden']);
    const dim = model.info.config.dim;
    const ours = await model.hiddenStates(b.ids, b.lengths);
    expect(ours).toBeInstanceOf(Float32Array);
    expect(ours.length).toBe(b.ids.length * dim);
    expect(maxDiff(ours, packed(ref.last_hidden_state, b.lengths))).toBeLessThan(TOL);
    const start = b.lengths[0]!;
    const single = await model.hiddenStates(b.ids.slice(start, start + b.lengths[1]!), b.lengths.slice(1, 2));
    expect(maxDiff(single, ours.slice(start * dim, (start + b.lengths[1]!) * dim))).toBeLessThan(1e-5);
    await expect(model.hiddenStates(Int32Array.of(101, 102), Int32Array.of(3))).rejects.toMatchObject({ code: 'DBN_INVALID_ARGUMENT' });
    await expect(model.hiddenStates(Int32Array.of(101, 1 << 30), Int32Array.of(2))).rejects.toMatchObject({ code: 'DBN_INVALID_ARGUMENT' });
  });
});

describe('loading', () => {
  it('any head checkpoint loads with the architecture from config.json', async () => {
    const dir = fixture('tiny-qa-s4', ['--arch', 'question-answering', '--seed', '4', '--no-prefix']);
    const m = await native().loadModel(dir, {});
    expect(m.info.config.architecture).toBe('DistilBertForQuestionAnswering');
    await expect(m.fillMask(Int32Array.of(101, 103, 102), Int32Array.of(3), 5, null)).rejects.toMatchObject({
      code: 'DBN_UNSUPPORTED_MODEL',
      message: expect.stringMatching(/DistilBertForMaskedLM/),
    });
    await m.dispose();
    await expect(m.embed(Int32Array.of(101, 102), Int32Array.of(2), 'mean', true)).rejects.toMatchObject({ code: 'DBN_DISPOSED' });
    await expect(m.hiddenStates(Int32Array.of(101, 102), Int32Array.of(2))).rejects.toMatchObject({ code: 'DBN_DISPOSED' });
  });
});
