/**
 * Pipeline postprocessing against HF semantics, with a fake native model (deterministic TS
 * logits) and the real tokenizer: no libtorch forward runs here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Model } from '../../lib/pipelines/Model';
import { loadTokenizer, pipeline, type Tokenizer } from '../../lib/index';
import { fakeNativeModel, requireSharedData, type FakeModelOptions, rejection } from '../helpers';

let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizer(requireSharedData());
});

const NER = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
const SENT = ['negative', 'neutral', 'positive'];

function model(options: FakeModelOptions): Model {
  return new Model(fakeNativeModel(tok.native, options));
}

/** Reference softmax written independently of lib/ (float64). */
function sm(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('classify', () => {
  const logits = [1, 2, 0.5];
  const m = (): Model =>
    model({ config: { architecture: 'DistilBertForSequenceClassification', id2label: SENT }, classLogits: () => logits });

  it('topK 1 gives the best label with a softmax score; topK n and null give sorted lists', async () => {
    const p = sm(logits);
    const model1 = m();
    expect(await model1.classify('good movie')).toEqual({ label: 'neutral', score: p[1] });
    const two = await model1.classify('good movie', { topK: 2 });
    expect(two).toEqual([
      { label: 'neutral', score: p[1] },
      { label: 'negative', score: p[0] },
    ]);
    const all = (await model1.classify('good movie', { topK: null })) as { label: string }[];
    expect(all.map((x) => x.label)).toEqual(['neutral', 'negative', 'positive']);
    const batch = await model1.classify(['a', 'b c'], { topK: 1 });
    expect(batch).toEqual([
      { label: 'neutral', score: p[1] },
      { label: 'neutral', score: p[1] },
    ]);
  });

  it('functionToApply sigmoid and none; one-label models default to sigmoid', async () => {
    const model1 = m();
    const sig = await model1.classify('x', { functionToApply: 'sigmoid', topK: null });
    expect(sig).toEqual([
      { label: 'neutral', score: 1 / (1 + Math.exp(-2)) },
      { label: 'negative', score: 1 / (1 + Math.exp(-1)) },
      { label: 'positive', score: 1 / (1 + Math.exp(-0.5)) },
    ]);
    expect(await model1.classify('x', { functionToApply: 'none' })).toEqual({ label: 'neutral', score: 2 });
    const one = model({
      config: { architecture: 'DistilBertForSequenceClassification', id2label: ['LABEL_0'] },
      classLogits: () => [-1.5],
    });
    expect(await one.classify('x')).toEqual({ label: 'LABEL_0', score: 1 / (1 + Math.exp(1.5)) });
  });

  it('validates options and the head', async () => {
    const model1 = m();
    for (const o of [{ topK: 0 }, { topK: 1.5 }, { functionToApply: 'relu' }, { truncation: 'yes' }, { signal: 3 }]) {
      const e = await rejection(model1.classify('x', o as object));
      expect(e.code, JSON.stringify(o)).toBe('DBN_INVALID_ARGUMENT');
      expect(e.message).toMatch(/^Expected /);
    }
    expect((await rejection(model1.classify(5 as unknown as string))).code).toBe('DBN_INVALID_ARGUMENT');
    const mlm = model({});
    const e = await rejection(mlm.classify('x'));
    expect(e.code).toBe('DBN_UNSUPPORTED_MODEL');
    expect(e.message).toMatch(/DistilBertForSequenceClassification/);
  });

  it('over the position limit: DBN_INPUT_TOO_LONG, or cut with truncation', async () => {
    const fake = fakeNativeModel(tok.native, {
      config: { architecture: 'DistilBertForSequenceClassification', id2label: SENT, maxPositionEmbeddings: 16 },
    });
    const model1 = new Model(fake);
    const long = 'word '.repeat(40);
    expect((await rejection(model1.classify(long))).code).toBe('DBN_INPUT_TOO_LONG');
    await model1.classify(long, { truncation: true });
    expect(fake.calls.at(-1)!.lengths).toEqual([16]);
  });
});

describe('tokenClassify', () => {
  // [CLS] john smith ##son lives in paris ##ville [SEP]
  const text = 'John Smithson lives in Parisville';
  const script: Record<number, [number, number]> = {
    1: [1, 4], // john    B-PER
    2: [2, 3], // smith   I-PER
    3: [3, 5], // ##son   B-LOC, more confident than smith
    4: [0, 2], // lives   O
    5: [0, 2], // in      O
    6: [3, 3], // paris   B-LOC
    7: [4, 2], // ##ville I-LOC
  };
  const row = (p: number): number[] => {
    const out = [0, 0, 0, 0, 0];
    const s = script[p];
    if (s) out[s[0]] = s[1];
    return out;
  };
  const s = (p: number): number[] => sm(row(p));
  const m = (): Model =>
    model({
      config: { architecture: 'DistilBertForTokenClassification', id2label: NER },
      tokenLogits: (_id, p) => row(p),
    });

  it('checks the tokenization this test relies on', () => {
    expect(tok.encode(text).tokens).toEqual(['[CLS]', 'john', 'smith', '##son', 'lives', 'in', 'paris', '##ville', '[SEP]']);
  });

  it("aggregation 'none': one entity per token, O dropped, offsets index the input", async () => {
    const out = await m().tokenClassify(text);
    expect(out).toEqual([
      { entity: 'B-PER', score: s(1)[1], index: 1, word: 'john', start: 0, end: 4 },
      { entity: 'I-PER', score: s(2)[2], index: 2, word: 'smith', start: 5, end: 10 },
      { entity: 'B-LOC', score: s(3)[3], index: 3, word: '##son', start: 10, end: 13 },
      { entity: 'B-LOC', score: s(6)[3], index: 6, word: 'paris', start: 23, end: 28 },
      { entity: 'I-LOC', score: s(7)[4], index: 7, word: '##ville', start: 28, end: 33 },
    ]);
    for (const e of out) expect(text.slice(e.start, e.end).toLowerCase()).toBe(e.word.replace('##', ''));
  });

  it("'simple' groups tokens by tag, B- starts a group, sub-tokens are not merged into words", async () => {
    expect(await m().tokenClassify(text, { aggregationStrategy: 'simple' })).toEqual([
      { entity_group: 'PER', score: (s(1)[1]! + s(2)[2]!) / 2, word: 'john smith', start: 0, end: 10 },
      { entity_group: 'LOC', score: s(3)[3], word: '##son', start: 10, end: 13 },
      { entity_group: 'LOC', score: (s(6)[3]! + s(7)[4]!) / 2, word: 'parisville', start: 23, end: 33 },
    ]);
  });

  it("'first' takes a word's label from its first sub-token", async () => {
    expect(await m().tokenClassify(text, { aggregationStrategy: 'first' })).toEqual([
      { entity_group: 'PER', score: (s(1)[1]! + s(2)[2]!) / 2, word: 'john smithson', start: 0, end: 13 },
      { entity_group: 'LOC', score: s(6)[3], word: 'parisville', start: 23, end: 33 },
    ]);
  });

  it("'max' takes the most confident sub-token; 'average' the mean scores", async () => {
    const max = await m().tokenClassify(text, { aggregationStrategy: 'max' });
    expect(max).toEqual([
      { entity_group: 'PER', score: s(1)[1], word: 'john', start: 0, end: 4 },
      { entity_group: 'LOC', score: s(3)[3], word: 'smithson', start: 5, end: 13 },
      { entity_group: 'LOC', score: s(6)[3], word: 'parisville', start: 23, end: 33 },
    ]);
    const avg = (a: number[], b: number[]): number[] => a.map((x, i) => (x + b[i]!) / 2);
    const smithson = avg(s(2), s(3));
    const parisville = avg(s(6), s(7));
    expect(smithson[3]!).toBeGreaterThan(smithson[2]!); // B-LOC wins on average
    const average = await m().tokenClassify(text, { aggregationStrategy: 'average' });
    expect(average.map((e) => ('entity_group' in e ? [e.entity_group, e.word] : []))).toEqual([
      ['PER', 'john'],
      ['LOC', 'smithson'],
      ['LOC', 'parisville'],
    ]);
    expect(average[1]!.score).toBeCloseTo(smithson[3]!, 12);
    expect(average[2]!.score).toBeCloseTo(parisville[3]!, 12);
  });

  it('ignoreLabels: [] keeps O groups; HF upper-case strategy names work through pipeline()', async () => {
    const out = await m().tokenClassify(text, { aggregationStrategy: 'simple', ignoreLabels: [] });
    expect(out.map((e) => ('entity_group' in e ? e.word : ''))).toEqual(['john smith', '##son', 'lives in', 'parisville']);
    const ner = await pipeline('ner', m());
    const viaPipe = await ner(text, { aggregation_strategy: 'SIMPLE', ignore_labels: ['LOC'] });
    // ignore_labels replaces the default ['O'], so O groups stay.
    expect(viaPipe.map((e) => ('entity_group' in e ? e.entity_group : ''))).toEqual(['PER', 'O']);
  });

  it('[UNK] shows the text it covers; a batch equals single calls', async () => {
    const t2 = 'Zq 🎉 ok';
    const e = tok.encode(t2);
    const unk = e.ids.indexOf(tok.info.unkId);
    expect(unk).toBeGreaterThan(0);
    const model1 = model({
      config: { architecture: 'DistilBertForTokenClassification', id2label: NER },
      tokenLogits: (id) => (id === tok.info.unkId ? [0, 5, 0, 0, 0] : [5, 0, 0, 0, 0]),
    });
    const [ent] = await model1.tokenClassify(t2);
    expect(ent).toMatchObject({ entity: 'B-PER', index: unk, word: '🎉', start: 3, end: 5 });
    const model2 = m();
    const texts = [text, 'Paris', 'John went to Parisville and Smithson'];
    const batch = await model2.tokenClassify(texts, { aggregationStrategy: 'first' });
    for (let i = 0; i < texts.length; i++) {
      expect(batch[i]).toEqual(await model2.tokenClassify(texts[i]!, { aggregationStrategy: 'first' }));
    }
    expect((await rejection(model2.tokenClassify(text, { aggregationStrategy: 'best' as 'max' }))).code).toBe(
      'DBN_INVALID_ARGUMENT',
    );
  });
});

describe('answerQuestion', () => {
  const question = 'What is the capital?';
  const context = 'The capital of France is Parisville, a large city.';
  const id = (t: string): number => tok.tokenToId(t)!;

  /** Start logit 6 on `startTok`, end logit 6 on `endTok`, 0 elsewhere (question tokens included). */
  function qa(startTok: string, endTok: string, cls = 0): FakeModelOptions {
    return {
      config: { architecture: 'DistilBertForQuestionAnswering' },
      qaLogits: (seq) => ({
        start: seq.map((t, p) => (p === 0 ? cls : t === id(startTok) ? 6 : 0)),
        end: seq.map((t, p) => (p === 0 ? cls : t === id(endTok) ? 6 : 0)),
      }),
    };
  }

  /** HF's score: softmax over [CLS] + context tokens (others masked). */
  function expectedScore(seq: number[], seqIds: (number | null)[], startTok: string, endTok: string, cls = 0): number {
    const allowed = seq.map((_, p) => p === 0 || seqIds[p] === 1);
    const ps = sm(seq.map((t, p) => (allowed[p] ? (p === 0 ? cls : t === id(startTok) ? 6 : 0) : -10000)));
    const pe = sm(seq.map((t, p) => (allowed[p] ? (p === 0 ? cls : t === id(endTok) ? 6 : 0) : -10000)));
    return ps[seq.indexOf(id(startTok))]! * pe[seq.indexOf(id(endTok))]!;
  }

  it('finds the span, with character offsets into the context and the HF score', async () => {
    const model1 = model(qa('paris', '##ville'));
    const ans = await model1.answerQuestion(question, context);
    const enc = tok.encode(question, context);
    expect(ans).toEqual({
      score: expectedScore(enc.ids, enc.sequenceIds, 'paris', '##ville'),
      start: 25,
      end: 35,
      answer: 'Parisville',
    });
    expect(await model1.answerQuestion({ question, context })).toEqual(ans);
  });

  it('a span that starts inside a word widens to the whole word', async () => {
    const ans = await model(qa('##ville', '##ville')).answerQuestion(question, context);
    expect(ans).toMatchObject({ start: 25, end: 35, answer: 'Parisville' });
  });

  it('question tokens never answer, even with the highest logits', async () => {
    // 'capital' is in both question and context: only the context one may be picked.
    const ans = (await model(qa('capital', 'capital')).answerQuestion(question, context)) as { start: number };
    expect(ans.start).toBe(context.indexOf('capital'));
  });

  it('maxAnswerLen bounds the span; topK gives sorted answers; handleImpossibleAnswer offers the empty one', async () => {
    const far = model(qa('the', 'city'));
    const short = (await far.answerQuestion(question, context, { maxAnswerLen: 3 })) as { answer: string };
    expect(tok.encode(short.answer, null, { addSpecialTokens: false }).ids.length).toBeLessThanOrEqual(3);
    const long = (await far.answerQuestion(question, context, { maxAnswerLen: 30 })) as { answer: string };
    expect(long.answer).toBe('The capital of France is Parisville, a large city');
    const top = (await far.answerQuestion(question, context, { topK: 4 })) as { score: number }[];
    expect(top.length).toBe(4);
    for (let i = 1; i < top.length; i++) expect(top[i - 1]!.score).toBeGreaterThanOrEqual(top[i]!.score);
    const none = await model(qa('paris', '##ville', 20)).answerQuestion(question, context, { handleImpossibleAnswer: true });
    expect(none).toMatchObject({ start: 0, end: 0, answer: '' });
    expect((none as { score: number }).score).toBeGreaterThan(0.99);
  });

  it('long contexts: overlapping windows of maxSeqLen cover every context token; answer offsets stay exact', async () => {
    const fake = fakeNativeModel(tok.native, qa('paris', '##ville'));
    const model1 = new Model(fake);
    const ctx = 'filler '.repeat(300) + 'Parisville is here.' + ' more'.repeat(60);
    const ans = await model1.answerQuestion(question, ctx, { maxSeqLen: 64, docStride: 16 });
    expect(ans).toMatchObject({ start: ctx.indexOf('Parisville'), end: ctx.indexOf('Parisville') + 10, answer: 'Parisville' });
    const seqs = fake.calls.flatMap((c) => c.sequences);
    const q = tok.encode(question).ids; // [CLS] q [SEP]
    const room = 64 - q.length - 1;
    const full = tok.encode(question, ctx).ids.slice(q.length, -1);
    const step = room - 16;
    const expected: number[][] = [];
    for (let start = 0; ; start += step) {
      expected.push([...q, ...full.slice(start, start + room), tok.info.sepId]);
      if (start + room >= full.length) break;
    }
    expect(expected.length).toBeGreaterThan(5);
    for (const s of seqs) expect(s.length).toBeLessThanOrEqual(64);
    // The batcher sends sequences shortest first, so compare as sets.
    const key = (s: number[]): string => s.join(',');
    expect(seqs.map(key).sort()).toEqual(expected.map(key).sort());
    const e = await rejection(model1.answerQuestion(question, ctx, { maxSeqLen: 64, docStride: 60 }));
    expect(e.code).toBe('DBN_INVALID_ARGUMENT');
    expect(e.message).toMatch(/docStride/);
  });

  it('validates inputs and options', async () => {
    const model1 = model(qa('paris', '##ville'));
    const bad: [unknown, unknown][] = [
      [{ question: '', context }, {}],
      [{ question, context: 3 }, {}],
      [{ question, context }, { topK: 0 }],
      [{ question, context }, { maxAnswerLen: -1 }],
      [{ question, context }, { maxSeqLen: 100000 }],
      [{ question, context }, { docStride: 1.5 }],
      [{ question, context }, { handleImpossibleAnswer: 1 }],
    ];
    for (const [input, options] of bad) {
      const e = await rejection(model1.answerQuestion(input as { question: string; context: string }, options as object));
      expect(e.code, JSON.stringify([input, options])).toBe('DBN_INVALID_ARGUMENT');
      expect(e.message).toMatch(/^Expected /);
    }
  });
});

describe('embed', () => {
  it('one normalized vector per input; pooling kinds never share a native call', async () => {
    const fake = fakeNativeModel(tok.native, { config: { architecture: 'DistilBertModel', dim: 8 } });
    const model1 = new Model(fake);
    const [mean, cls, batch] = await Promise.all([
      model1.embed('hello world'),
      model1.embed('hello world', { pooling: 'cls' }),
      model1.embed(['hello world', 'another one']),
    ]);
    expect(mean).toBeInstanceOf(Float32Array);
    expect(mean.length).toBe(8);
    expect(Math.hypot(...mean)).toBeCloseTo(1, 5);
    expect(Array.from(batch[0]!)).toEqual(Array.from(mean));
    expect(Array.from(cls)).not.toEqual(Array.from(mean));
    expect(fake.calls.map((c) => c.lengths.length).sort()).toEqual([1, 3]);
    const raw = await model1.embed('hello world', { normalize: false });
    expect(Math.hypot(...raw)).not.toBeCloseTo(1, 3);
    expect((await rejection(model1.embed('x', { pooling: 'max' as 'mean' }))).code).toBe('DBN_INVALID_ARGUMENT');
  });
});

describe('Model through the batcher', () => {
  it('concurrent calls of all kinds pack into few native calls, one at a time, with unchanged results', async () => {
    const fake = fakeNativeModel(tok.native, {
      config: { architecture: 'DistilBertForSequenceClassification', id2label: SENT },
    });
    const model1 = new Model(fake);
    const texts = Array.from({ length: 40 }, (_, i) => `sentence number ${i} ${'x '.repeat(i % 7)}`);
    const singles: unknown[] = [];
    for (const t of texts) singles.push(await model1.classify(t, { topK: null }));
    const callsBefore = fake.calls.length;
    const together = await Promise.all(texts.map((t) => model1.classify(t, { topK: null })));
    expect(together).toEqual(singles);
    expect(fake.calls.length - callsBefore).toBeLessThanOrEqual(2);
    expect(fake.maxInFlight).toBe(1);
  });

  it('fillMask goes through the batcher; dispose rejects queued calls DBN_DISPOSED', async () => {
    const fake = fakeNativeModel(tok.native, { delayMs: 20 });
    const model1 = new Model(fake);
    const [a, b] = await Promise.all([model1.fillMask('a [MASK] b'), model1.fillMask('the [mask] and [MASK]', { topK: 2 })]);
    expect(fake.calls.filter((c) => c.method === 'fillMask').length).toBe(2); // topK differs: two kinds
    expect(a.length).toBe(1);
    expect(b.length).toBe(2);
    expect(b[0]!.length).toBe(2);
    const running = model1.fillMask('one [MASK]');
    await new Promise((r) => setTimeout(r, 5));
    const queued = rejection(model1.fillMask('two [MASK]'));
    const ac = new AbortController();
    const aborted = model1.fillMask('three [MASK]', { signal: ac.signal });
    ac.abort();
    expect((await rejection(aborted)).code).toBe('DBN_ABORTED');
    await Promise.all([model1.dispose(), model1.dispose()]);
    expect((await running).length).toBe(1);
    expect((await queued).code).toBe('DBN_DISPOSED');
    expect((await rejection(model1.fillMask('x [MASK]'))).code).toBe('DBN_DISPOSED');
    expect(model1.info.state).toBe('disposed');
  });
});

describe('pipeline()', () => {
  it('HF shapes: text-classification wraps a single result in a list; fill-mask unwraps a single mask', async () => {
    const cls = await pipeline(
      'sentiment-analysis',
      model({ config: { architecture: 'DistilBertForSequenceClassification', id2label: SENT }, classLogits: () => [0, 3, 1] }),
    );
    const one = await cls('great');
    expect(one).toEqual([{ label: 'neutral', score: sm([0, 3, 1])[1] }]);
    expect((await cls('great', { top_k: 2 })).map((x) => x.label)).toEqual(['neutral', 'positive']);
    expect(await cls('great', { function_to_apply: 'NONE' as 'none' })).toEqual([{ label: 'neutral', score: 3 }]);
    expect((await cls(['a', 'b'])).length).toBe(2);
    expect(cls.task).toBe('sentiment-analysis');

    const fm = await pipeline('fill-mask', model({}));
    const single = await fm('a [MASK] b', { top_k: 3 });
    expect(single.length).toBe(3);
    expect(Object.keys(single[0]!).sort()).toEqual(['score', 'sequence', 'token', 'token_str']);
    const double = (await fm('a [MASK] b [MASK]', { top_k: 3 })) as unknown[][];
    expect(double.length).toBe(2);
    expect(double[0]!.length).toBe(3);
  });

  it('question-answering takes (question, context) and snake_case options', async () => {
    const qa = await pipeline(
      'question-answering',
      model({
        config: { architecture: 'DistilBertForQuestionAnswering' },
        qaLogits: (seq) => ({ start: seq.map((t) => (t === tok.tokenToId('paris') ? 5 : 0)), end: seq.map(() => 0) }),
      }),
    );
    const top = (await qa('Where?', 'It is in Paris today.', { top_k: 2, max_answer_len: 2 })) as { answer: string }[];
    expect(top.length).toBe(2);
    expect(top[0]!.answer.startsWith('Paris')).toBe(true);
  });

  it('rejects unknown tasks, a head that does not fit, and options given twice', async () => {
    expect((await rejection(pipeline('summarization' as 'ner', model({})))).code).toBe('DBN_INVALID_ARGUMENT');
    const e = await rejection(pipeline('ner', model({})));
    expect(e.code).toBe('DBN_UNSUPPORTED_MODEL');
    expect(e.message).toMatch(/DistilBertForTokenClassification/);
    const fx = await pipeline('feature-extraction', model({}));
    expect((await fx('hello', { pooling: 'mean' })).dims).toEqual([1, 8]);
    const fm = await pipeline('fill-mask', model({}));
    expect((await rejection(fm('a [MASK]', { top_k: 2, topK: 2 }))).code).toBe('DBN_INVALID_ARGUMENT');
  });
});
