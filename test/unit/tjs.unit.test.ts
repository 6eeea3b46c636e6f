/**
 * transformers.js call forms and options on pipeline(), judged by HF Python's documented
 * pipeline behaviour (TextClassificationPipeline's top_k nesting, QuestionAnsweringArgumentHandler's
 * question/context lists), with a fake native model and the real tokenizer.
 */
import * as path from 'node:path';
import { Tokenizer as HfTokenizer } from 'tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { joinTokens } from '../../lib/pipelines/tokenClassify';
import { Model } from '../../lib/pipelines/Model';
import { loadOptionsOf } from '../../lib/pipelines/pipelineOptions';
import { loadTokenizer, pipeline, runtimeInfo, Tensor, type Tokenizer } from '../../lib/index';
import { fakeNativeModel, requireSharedData, type FakeModelOptions, rejection } from '../helpers';

let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizer(requireSharedData());
});

const model = (options: FakeModelOptions): Model => new Model(fakeNativeModel(tok.native, options));

/** Independent float64 softmax. */
function sm(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

describe('text-classification: nesting follows whether top_k was given (HF)', () => {
  const SENT = ['negative', 'neutral', 'positive'];
  const logits = [0, 3, 1];
  const p = sm(logits);
  const cls = () =>
    pipeline(
      'text-classification',
      model({ config: { architecture: 'DistilBertForSequenceClassification', id2label: SENT }, classLogits: () => logits }),
    );

  it('a batch without top_k gives one dict per input', async () => {
    const c = await cls();
    expect(await c(['a', 'b'])).toEqual([
      { label: 'neutral', score: p[1] },
      { label: 'neutral', score: p[1] },
    ]);
  });

  it('a batch with top_k 1 (and topK 1) nests one list per input', async () => {
    const c = await cls();
    const want = [[{ label: 'neutral', score: p[1] }], [{ label: 'neutral', score: p[1] }]];
    expect(await c(['a', 'b'], { top_k: 1 })).toEqual(want);
    expect(await c(['a', 'b'], { topK: 1 })).toEqual(want);
  });

  it('a batch with top_k 2 and null nests lists; a string with top_k stays one list', async () => {
    const c = await cls();
    const two = (await c(['a', 'b'], { top_k: 2 })) as { label: string }[][];
    expect(two.map((r) => r.map((x) => x.label))).toEqual([
      ['neutral', 'positive'],
      ['neutral', 'positive'],
    ]);
    const all = (await c(['a'], { top_k: null })) as { label: string }[][];
    expect(all[0]!.map((x) => x.label)).toEqual(['neutral', 'positive', 'negative']);
    expect(await c('a', { top_k: 1 })).toEqual([{ label: 'neutral', score: p[1] }]);
    expect(await c('a')).toEqual([{ label: 'neutral', score: p[1] }]);
  });
});

describe('question-answering: transformers.js batch form qa(questions[], contexts[])', () => {
  const qa = () =>
    pipeline(
      'question-answering',
      model({
        config: { architecture: 'DistilBertForQuestionAnswering' },
        qaLogits: (seq) => ({
          start: seq.map((t) => (t === tok.tokenToId('paris') || t === tok.tokenToId('rome') ? 5 : 0)),
          end: seq.map((t) => (t === tok.tokenToId('paris') || t === tok.tokenToId('rome') ? 5 : 0)),
        }),
      }),
    );

  it('pairs questions and contexts by index and equals the object form', async () => {
    const q = await qa();
    const contexts = ['It is in Paris today.', 'They met in Rome.'];
    const out = (await q(['Where?', 'Where did they meet?'], contexts)) as { answer: string; start: number; end: number }[];
    expect(out.map((a) => a.answer)).toEqual(['Paris', 'Rome']);
    // start/end index each input's own context (HF).
    expect(contexts[1]!.slice(out[1]!.start, out[1]!.end)).toBe('Rome');
    const objects = await q([
      { question: 'Where?', context: contexts[0]! },
      { question: 'Where did they meet?', context: contexts[1]! },
    ]);
    expect(out).toEqual(objects);
  });

  it('one context string is shared by a list of questions; options come third', async () => {
    const q = await qa();
    const out = (await q(['Where?', 'Which city?'], 'It is in Paris today.', { top_k: 2 })) as { answer: string }[][];
    expect(out.length).toBe(2);
    expect(out[0]!.length).toBe(2);
    expect(out[0]![0]!.answer).toBe('Paris');
  });

  it('rejects lists of different lengths and non-string questions', async () => {
    const q = await qa();
    const e = await rejection(q(['a?', 'b?'], ['only one context']));
    expect(e.code).toBe('DBN_INVALID_ARGUMENT');
    expect(e.message).toMatch(/2 contexts/);
    expect((await rejection(q([3 as unknown as string], ['ctx']))).code).toBe('DBN_INVALID_ARGUMENT');
  });
});

describe("pipeline()'s transformers.js load options", () => {
  it('maps dtype, device, revision, local_files_only, cache_dir', () => {
    expect(loadOptionsOf({ dtype: 'fp32', device: 'cpu' }, 'm')).toEqual({ dtype: 'float32', device: 'cpu' });
    expect(loadOptionsOf({ dtype: 'bf16' }, 'm')).toEqual({ dtype: 'bfloat16' });
    expect(loadOptionsOf({ dtype: 'auto', device: 'cuda:1' }, 'm')).toEqual({ device: 'cuda:1' });
    expect(loadOptionsOf({ revision: 'v1', local_files_only: true, cache_dir: '/c' }, 'm')).toEqual({
      revision: 'v1',
      localFilesOnly: true,
      cacheDir: '/c',
    });
    // Ours pass through untouched (loadModel checks them).
    expect(loadOptionsOf({ dtype: 'bfloat16', threads: 2 }, 'm')).toEqual({ dtype: 'bfloat16', threads: 2 });
  });

  it("device 'auto' is CUDA exactly when the addon sees a CUDA device", () => {
    const want = runtimeInfo().libtorch.cudaDevices > 0 ? 'cuda' : 'cpu';
    expect(loadOptionsOf({ device: 'auto' }, 'm')).toEqual({ device: want });
  });

  it('progress_callback receives transformers.js-shaped events', () => {
    const seen: unknown[] = [];
    const o = loadOptionsOf({ progress_callback: (e: unknown) => seen.push(e) }, 'org/m') as {
      onProgress: (e: { status: string; file: string; loaded: number; total: number }) => void;
    };
    o.onProgress({ status: 'download', file: 'config.json', loaded: 5, total: 10 });
    o.onProgress({ status: 'done', file: 'config.json', loaded: 10, total: 10 });
    expect(seen).toEqual([
      { status: 'progress', name: 'org/m', file: 'config.json', loaded: 5, total: 10, progress: 50 },
      { status: 'done', name: 'org/m', file: 'config.json', loaded: 10, total: 10, progress: 100 },
    ]);
  });

  it('rejects fp16 with a clear message, unknown dtypes/devices, and options without meaning, naming them', () => {
    expect(() => loadOptionsOf({ dtype: 'fp16' }, 'm')).toThrow(/options\.dtype.*float16 is not supported on CPU/);
    expect(() => loadOptionsOf({ dtype: 'q8' }, 'm')).toThrow(/options\.dtype/);
    expect(() => loadOptionsOf({ device: 'webgpu' }, 'm')).toThrow(/options\.device/);
    expect(() => loadOptionsOf({ session_options: {} }, 'm')).toThrow(/options\.session_options/);
    expect(() => loadOptionsOf({ subfolder: 'onnx' }, 'm')).toThrow(/options\.subfolder/);
    expect(() => loadOptionsOf({ local_files_only: true, localFilesOnly: true }, 'm')).toThrow(/only one of/);
    expect(() => loadOptionsOf({ progress_callback: 3 }, 'm')).toThrow(/progress_callback/);
  });

  it('pipeline() on a path rejects session_options before loading anything', async () => {
    const e = await rejection(pipeline('fill-mask', '/nonexistent/model', { session_options: {} } as object));
    expect(e.code).toBe('DBN_INVALID_ARGUMENT');
    expect(e.message).toMatch(/session_options/);
  });
});

describe("token-classification word = HF tokenizer decode (the npm tokenizers oracle)", () => {
  let hf: HfTokenizer;
  beforeAll(() => {
    hf = HfTokenizer.fromFile(path.join(requireSharedData(), 'tokenizer.json'));
  });
  const TEXTS = [
    'The u.s. team won, didn\'t it?',
    'Hugging-face is in NYC! I\'m sure they\'re great, we\'ve seen it.',
    'Do not say "hello" , ok ?',
    'Strangeness: smithsonge. Wow...',
  ];

  it('joining any run of tokens equals decode of their ids', async () => {
    for (const text of TEXTS) {
      const e = tok.encode(text);
      const n = e.ids.length;
      // Every run of real tokens (specials at 0 and n-1 left out).
      for (let a = 1; a < n - 1; a++) {
        for (let b = a + 1; b <= n - 1; b++) {
          const want = await hf.decode(Array.from(e.ids.slice(a, b)), false);
          expect(joinTokens(e.tokens!.slice(a, b)), `${text} [${a}, ${b})`).toBe(want);
        }
      }
    }
  });

  it("aggregated groups carry decode's words: 'u. s. team', '##ge.'", async () => {
    const LABELS = ['O', 'B-LOC', 'I-LOC'];
    const text = 'The u.s. team, strangeness smithsonge.';
    const enc = tok.encode(text);
    const tokens = enc.tokens!;
    // LOC on "u . s . team", then a group that starts at the sub-token "##ge" through the ".".
    const ge = tokens.indexOf('##ge');
    expect(ge).toBeGreaterThan(0);
    const us = tokens.indexOf('u');
    const team = tokens.indexOf('team');
    const labelOf = (i: number): number => (i === us || i === ge ? 1 : (i > us && i <= team) || i === ge + 1 ? 2 : 0);
    const m = model({
      config: { architecture: 'DistilBertForTokenClassification', id2label: LABELS },
      tokenLogits: (_id, i) => LABELS.map((__, j) => (j === labelOf(i) ? 4 : 0)),
    });
    const ner = await pipeline('ner', m);
    const out = (await ner(text, { aggregation_strategy: 'simple' })) as { word: string; start: number; end: number }[];
    const oracle = async (a: number, b: number): Promise<string> => hf.decode(Array.from(enc.ids.slice(a, b)), false);
    expect(out.map((g) => g.word)).toEqual([await oracle(us, team + 1), await oracle(ge, ge + 2)]);
    expect(out.map((g) => g.word)).toEqual(['u. s. team', '##ge.']);
  });
});

describe('Tensor and the feature-extraction pipeline', () => {
  it('tolist nests by dims; dims must match the data', () => {
    const t = new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [1, 2, 3]);
    expect(t.size).toBe(6);
    expect(t.tolist()).toEqual([[[1, 2, 3], [4, 5, 6]]]);
    expect(new Tensor(Float32Array.from([1, 2]), [2, 1]).tolist()).toEqual([[1], [2]]);
    expect(() => new Tensor(new Float32Array(5), [2, 3])).toThrow(/dims/);
  });

  it("takes pooling 'none' | 'mean' | 'cls' only; a string is a batch of one", async () => {
    const fx = await pipeline('feature-extraction', model({}));
    expect((await fx('hello', { pooling: 'cls' })).dims).toEqual([1, 8]);
    expect((await fx(['a', 'b', 'c'], { pooling: 'mean' })).dims).toEqual([3, 8]);
    expect((await rejection(fx('hello', { pooling: 'max' as 'mean' }))).message).toMatch(/options\.pooling/);
    expect((await fx('hello')).dims).toEqual([1, 3, 8]); // [CLS] hello [SEP]
  });

  it("pooling 'none' (the default): [batch, longest, dim], each input's rows its own, zeros past a shorter input's end", async () => {
    const fake = fakeNativeModel(tok.native);
    const m = new Model(fake);
    const fx = await pipeline('feature-extraction', m);
    const texts = ['hello', 'hello big wide world'];
    const lengths = texts.map((t) => tok.encode(t).ids.length);
    expect(lengths).toEqual([3, 6]);
    const out = await fx(texts);
    expect(out).toBeInstanceOf(Tensor);
    expect(out.type).toBe('float32');
    expect(out.dims).toEqual([2, 6, 8]);
    const list = out.tolist() as number[][][];
    expect(list.length).toBe(2);
    expect(list.every((rows) => rows.length === 6 && rows.every((r) => r.length === 8))).toBe(true);
    // Per input, the same rows as model.embedTokens (unpadded) and as that input alone.
    const [short, long] = await m.embedTokens(texts);
    expect(short!.dims).toEqual([3, 8]);
    expect(long!.dims).toEqual([6, 8]);
    expect(list[0]!.slice(0, 3)).toEqual(short!.tolist());
    expect(list[1]).toEqual(long!.tolist());
    expect(list[0]!.slice(3)).toEqual([0, 0, 0].map(() => new Array(8).fill(0)));
    expect((await fx(texts[1]!)).tolist()).toEqual([long!.tolist()]);
    // One kind of native call for every per-token request, normalized or not.
    fake.calls.length = 0;
    const [plain, unit] = await Promise.all([fx(texts[0]!), fx(texts[0]!, { normalize: true })]);
    expect(fake.calls.map((c) => [c.method, c.lengths.length])).toEqual([['hiddenStates', 2]]);
    // normalize: along the last dimension (transformers.js), every token's vector to unit length.
    const rows = plain.tolist() as number[][][];
    (unit.tolist() as number[][][])[0]!.forEach((r, t) => {
      const raw = rows[0]![t]!;
      const norm = Math.hypot(...raw);
      r.forEach((x, d) => expect(x).toBeCloseTo(raw[d]! / norm, 6));
    });
  });

  it('model.embedTokens: one [tokens, dim] Tensor per input, normalize on request, checked options', async () => {
    const m = model({});
    const one = await m.embedTokens('hello world');
    expect(one).toBeInstanceOf(Tensor);
    expect(one.dims).toEqual([4, 8]);
    expect(one.size).toBe(32);
    const unit = await m.embedTokens('hello world', { normalize: true });
    for (const row of unit.tolist() as number[][]) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    expect((await rejection(m.embedTokens('x', { normalize: 'yes' as unknown as boolean }))).code).toBe('DBN_INVALID_ARGUMENT');
    expect((await rejection(m.embedTokens(3 as unknown as string))).code).toBe('DBN_INVALID_ARGUMENT');
  });
});
