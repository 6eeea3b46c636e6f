/**
 * Issue 4's table of bad inputs, through the API: each gives a typed error (or a defined
 * result), the process stays alive, and the next call is still correct.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../../lib/index';
import { fixture } from '../helpers';

let model: Model;
let baseline: string;

beforeAll(async () => {
  model = await loadModel(fixture('tiny-mlm-s1', ['--seed', '1']));
  baseline = JSON.stringify(await model.fillMask('the [MASK] is fine', { topK: 3 }));
});
afterAll(() => model?.dispose());

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? `untyped: ${String(e)}`;
  }
}

describe('bad inputs keep the model healthy', () => {
  const cases: [string, () => Promise<unknown>, string | string[]][] = [
    ['a number', () => model.fillMask(42 as unknown as string), 'DBN_INVALID_ARGUMENT'],
    ['undefined', () => model.fillMask(undefined as unknown as string), 'DBN_INVALID_ARGUMENT'],
    ['an object in the batch', () => model.fillMask(['a [MASK]', {} as string]), 'DBN_INVALID_ARGUMENT'],
    ['an empty string', () => model.fillMask(''), 'DBN_NO_MASK'],
    ['only special tokens', () => model.fillMask('[CLS] [SEP]'), 'DBN_NO_MASK'],
    ['only a mask', () => model.fillMask('[MASK]'), 'ok'],
    ['NUL characters', () => model.fillMask('a\u0000b [MASK]\u0000'), 'ok'],
    ['lone surrogates', () => model.fillMask('\ud800 broken \udfff [MASK] \ud83d'), 'ok'],
    ['an input over the max length', () => model.fillMask('w '.repeat(1000) + '[MASK]'), 'DBN_INPUT_TOO_LONG'],
    ['a huge topK', () => model.fillMask('a [MASK]', { topK: 1e9 }), 'ok'],
    ['topK NaN', () => model.fillMask('a [MASK]', { topK: Number.NaN }), 'DBN_INVALID_ARGUMENT'],
    ['topK negative', () => model.fillMask('a [MASK]', { topK: -1 }), 'DBN_INVALID_ARGUMENT'],
    ['topK Infinity', () => model.fillMask('a [MASK]', { topK: Infinity }), 'DBN_INVALID_ARGUMENT'],
    ['unknown target words', () => model.fillMask('a [MASK]', { targets: ['qqqzzzxxx'] }), 'ok'],
    ['targets that map to nothing', () => model.fillMask('a [MASK]', { targets: ['   '] }), 'DBN_INVALID_ARGUMENT'],
  ];

  it.each(cases)('%s', async (_name, call, expected) => {
    expect(await outcome(call())).toBe(expected);
    expect(JSON.stringify(await model.fillMask('the [MASK] is fine', { topK: 3 }))).toBe(baseline);
  });

  it('a batch of 10k items completes, one result per item', async () => {
    const texts = Array.from({ length: 10_000 }, (_, i) => `item ${i % 97} is [MASK].`);
    const out = await model.fillMask(texts, { topK: 1 });
    expect(out.length).toBe(10_000);
    expect(out[9_999]![0]![0]!.token).toBe(out[8]![0]![0]!.token); // 9999 % 97 == 8: same text, same answer
    expect(JSON.stringify(await model.fillMask('the [MASK] is fine', { topK: 3 }))).toBe(baseline);
  });

  it('lone surrogates are encoded as U+FFFD (defined, and dropped by clean_text)', async () => {
    const [a] = await model.fillMask('x \ud800 [MASK]', { topK: 2 });
    const [b] = await model.fillMask('x \ufffd [MASK]', { topK: 2 });
    expect(a).toEqual(b);
  });
});
