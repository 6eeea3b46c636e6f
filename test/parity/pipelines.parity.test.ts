/**
 * Pipelines on the real engine against tools/model/reference.py (float64 NumPy) logits, post-processed
 * here by brute force written independently of lib/pipelines; and concurrent (batched) calls
 * against one-at-a-time calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type AnswerResult, type ClassifyResult, type FillMaskOutput, type Model } from '../../lib/index';
import { fixture, reference } from '../helpers';

const TEXTS = ['Hello world!', 'The quick brown fox jumps over the lazy dog near Paris.', 'Zürich, 東京 and São Paulo.'];

function sm(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
const argmax = (xs: number[]): number => xs.indexOf(Math.max(...xs));

function padded(model: Model, encodings: { ids: number[] }[]): { input_ids: number[][]; attention_mask: number[][] } {
  const max = Math.max(...encodings.map((e) => e.ids.length));
  void model;
  return {
    input_ids: encodings.map((e) => [...e.ids, ...new Array(max - e.ids.length).fill(0)]),
    attention_mask: encodings.map((e) => [...e.ids.map(() => 1), ...new Array(max - e.ids.length).fill(0)]),
  };
}

async function withModel(name: string, args: string[], body: (m: Model, dir: string) => Promise<void>): Promise<void> {
  const dir = fixture(name, args);
  const m = await loadModel(dir, { threads: 1 });
  try {
    await body(m, dir);
  } finally {
    await m.dispose();
  }
}

describe('classify', () => {
  it('softmax of the reference logits; concurrent calls equal single calls', () =>
    withModel('tiny-seqcls-s2', ['--arch', 'sequence-classification', '--seed', '2'], async (m, dir) => {
      const ref = reference<{ logits: number[][] }>(dir, padded(m, m.tokenizer.encodeBatch(TEXTS)));
      const ours = await m.classify(TEXTS, { topK: null });
      ref.logits.forEach((logits, i) => {
        const p = sm(logits);
        const labels = ['negative', 'neutral', 'positive'];
        const sorted = p.map((score, j) => ({ label: labels[j]!, score })).sort((a, b) => b.score - a.score);
        const got = ours[i] as { label: string; score: number }[];
        expect(got.map((x) => x.label)).toEqual(sorted.map((x) => x.label));
        got.forEach((x, j) => expect(Math.abs(x.score - sorted[j]!.score)).toBeLessThan(1e-5));
      });
      const singles: ClassifyResult[] = [];
      for (const t of TEXTS) singles.push(await m.classify(t, { topK: null }));
      const batches = m.batcher.batches;
      const together = await Promise.all(TEXTS.map((t) => m.classify(t, { topK: null })));
      expect(m.batcher.batches - batches).toBe(1);
      together.forEach((r, i) => {
        const s = singles[i] as { label: string; score: number }[];
        (r as { label: string; score: number }[]).forEach((x, j) => {
          expect(x.label).toBe(s[j]!.label);
          expect(Math.abs(x.score - s[j]!.score)).toBeLessThan(1e-5);
        });
      });
    }));
});

describe('tokenClassify', () => {
  it("'none' with nothing ignored: every word token's argmax and probability from the reference", () =>
    withModel('tiny-tokcls-s3', ['--arch', 'token-classification', '--seed', '3', '--num-labels', '9'], async (m, dir) => {
      const encodings = m.tokenizer.encodeBatch(TEXTS);
      const ref = reference<{ logits: number[][][] }>(dir, padded(m, encodings));
      const labels = m.info.config.id2label;
      const ours = await m.tokenClassify(TEXTS, { ignoreLabels: [] });
      encodings.forEach((e, i) => {
        const expected = e.ids
          .map((_, p) => p)
          .filter((p) => !e.specialTokensMask[p])
          .map((p) => {
            const probs = sm(ref.logits[i]![p]!);
            return { entity: labels[argmax(probs)], score: Math.max(...probs), index: p, start: e.offsets[p]![0] };
          });
        const got = ours[i]!;
        expect(got.map((x) => ('entity' in x ? [x.entity, x.index, x.start] : []))).toEqual(
          expected.map((x) => [x.entity, x.index, x.start]),
        );
        got.forEach((x, j) => expect(Math.abs(x.score - expected[j]!.score)).toBeLessThan(1e-5));
      });
      // Aggregated groups tile the entities: every group's text is a slice of the input.
      const groups = await m.tokenClassify(TEXTS[1]!, { aggregationStrategy: 'average', ignoreLabels: [] });
      for (const g of groups) expect(g.end).toBeGreaterThan(g.start);
      const together = await Promise.all(TEXTS.map((t) => m.tokenClassify(t, { aggregationStrategy: 'simple' })));
      for (let i = 0; i < TEXTS.length; i++) {
        const single = await m.tokenClassify(TEXTS[i]!, { aggregationStrategy: 'simple' });
        expect(together[i]!.map((g) => ('entity_group' in g ? [g.entity_group, g.start, g.end] : []))).toEqual(
          single.map((g) => ('entity_group' in g ? [g.entity_group, g.start, g.end] : [])),
        );
      }
    }));
});

describe('answerQuestion', () => {
  const question = 'Where does the fox jump?';
  const context = 'The quick brown fox jumps over the lazy dog near Paris, in a small garden.';

  it('the best span by brute force over the reference logits, with HF masking', () =>
    withModel('tiny-qa-s4', ['--arch', 'question-answering', '--seed', '4', '--no-prefix'], async (m, dir) => {
      const e = m.tokenizer.encode(question, context);
      const ref = reference<{ start_logits: number[][]; end_logits: number[][] }>(dir, { input_ids: [e.ids] });
      const allowed = e.ids.map((_, p) => p === 0 || e.sequenceIds[p] === 1);
      const ps = sm(ref.start_logits[0]!.map((x, p) => (allowed[p] ? x : -10000)));
      const pe = sm(ref.end_logits[0]!.map((x, p) => (allowed[p] ? x : -10000)));
      let best = { score: -1, s: 0, e: 0 };
      for (let s = 1; s < e.ids.length; s++) {
        for (let t = s; t < Math.min(e.ids.length, s + 15); t++) {
          if (e.sequenceIds[s] !== 1 || e.sequenceIds[t] !== 1) continue;
          if (ps[s]! * pe[t]! > best.score) best = { score: ps[s]! * pe[t]!, s, e: t };
        }
      }
      const ans = (await m.answerQuestion(question, context)) as { score: number; start: number; end: number; answer: string };
      expect(Math.abs(ans.score - best.score)).toBeLessThan(1e-5);
      // Word-aligned: starts at the start of the best start token's word, ends at its end token's word end.
      const wordStart = (p: number): number => e.offsets[e.wordIds.findIndex((w, i) => w === e.wordIds[p] && e.sequenceIds[i] === 1)]![0];
      expect(ans.start).toBe(wordStart(best.s));
      expect(ans.answer).toBe(context.slice(ans.start, ans.end));
      expect(ans.end).toBeGreaterThanOrEqual(e.offsets[best.e]![1]);
    }));

  it('a long context in windows: concurrent calls equal single calls', () =>
    withModel('tiny-qa-s4', ['--arch', 'question-answering', '--seed', '4', '--no-prefix'], async (m) => {
      const long = `${context} `.repeat(12);
      const inputs = [
        { question, context: long },
        { question: 'What is small?', context },
        { question: 'Who is lazy?', context: long.slice(0, 400) },
      ];
      const opts = { topK: 3, maxSeqLen: 96, docStride: 32 };
      const singles: AnswerResult[] = [];
      for (const x of inputs) singles.push(await m.answerQuestion(x, opts));
      const together = await Promise.all(inputs.map((x) => m.answerQuestion(x, opts)));
      together.forEach((r, i) => {
        const s = singles[i] as { score: number; start: number; end: number }[];
        (r as { score: number; start: number; end: number }[]).forEach((a, j) => {
          expect([a.start, a.end]).toEqual([s[j]!.start, s[j]!.end]);
          expect(Math.abs(a.score - s[j]!.score)).toBeLessThan(1e-5);
        });
      });
    }));
});

describe('embed', () => {
  it('normalized mean pooling of the reference hidden states; cls pooling', () =>
    withModel('tiny-base-s5', ['--arch', 'base', '--seed', '5', '--no-prefix'], async (m, dir) => {
      const encodings = m.tokenizer.encodeBatch(TEXTS);
      const ref = reference<{ last_hidden_state: number[][][] }>(dir, padded(m, encodings));
      const [mean, cls] = await Promise.all([m.embed(TEXTS), m.embed(TEXTS, { pooling: 'cls', normalize: false })]);
      encodings.forEach((e, i) => {
        const rows = ref.last_hidden_state[i]!.slice(0, e.ids.length);
        const avg = rows[0]!.map((_, d) => rows.reduce((a, r) => a + r[d]!, 0) / rows.length);
        const norm = Math.hypot(...avg);
        avg.forEach((x, d) => expect(Math.abs(mean[i]![d]! - x / norm)).toBeLessThan(1e-5));
        rows[0]!.forEach((x, d) => expect(Math.abs(cls[i]![d]! - x)).toBeLessThan(1e-4));
      });
    }));
});

describe('fillMask', () => {
  let m: Model;
  beforeAll(async () => {
    m = await loadModel(fixture('tiny-mlm-s1', ['--seed', '1']), { threads: 1 });
  });
  afterAll(() => m?.dispose());

  it('many concurrent calls (mixed topK) equal single calls, in fewer native calls', async () => {
    const texts = Array.from({ length: 24 }, (_, i) => `${'word '.repeat(i % 9)}item ${i} is [MASK] here.`);
    const singles: FillMaskOutput[] = [];
    for (const [i, t] of texts.entries()) singles.push(await m.fillMask(t, { topK: 1 + (i % 2) * 2 }));
    const before = m.batcher.batches;
    const together = await Promise.all(texts.map((t, i) => m.fillMask(t, { topK: 1 + (i % 2) * 2 })));
    expect(m.batcher.batches - before).toBeLessThanOrEqual(4);
    together.forEach((r, i) => {
      expect(r.map((c) => c.map((x) => x.token))).toEqual(singles[i]!.map((c) => c.map((x) => x.token)));
      r.flat().forEach((x, j) => expect(Math.abs(x.score - singles[i]!.flat()[j]!.score)).toBeLessThan(1e-5));
    });
  });
});
