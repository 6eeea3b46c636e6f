/** lib/model/checks.ts: reading callers' values once, option names, the closest-name suggestion. */
import { describe, expect, it } from 'vitest';
import {
  checkIds,
  checkTexts,
  checkTopK,
  closestName,
  copyArray,
  readOptions,
  withLabels,
} from '../../lib/model/checks';
import { thrown } from '../helpers';

describe('closestName', () => {
  const known = ['topK', 'targets', 'signal', 'top_k', 'pooling', 'localFilesOnly', 'local_files_only'];
  it.each([
    ['topk', 'topK'],
    ['TOP_K', 'top_k'],
    ['top-k', 'topK'],
    ['tpoK', 'topK'],
    ['target', 'targets'],
    ['signl', 'signal'],
    ['pool', 'pooling'],
    ['local_file_only', 'local_files_only'],
    ['localFileOnly', 'localFilesOnly'],
  ])('%s -> %s', (name, want) => {
    expect(closestName(name, known)).toBe(want);
  });
  it('suggests nothing for a name far from every known one', () => {
    expect(closestName('temperature', known)).toBeUndefined();
    expect(closestName('x', known)).toBeUndefined();
  });
});

describe('readOptions', () => {
  it('copies each value once; a getter that changes its answer is read once', () => {
    let reads = 0;
    const options = {
      get topK() {
        reads++;
        return reads === 1 ? 3 : 'three';
      },
    };
    const { values } = readOptions<{ topK?: unknown }>(options, ['topK'], 'fillMask');
    expect(values.topK).toBe(3);
    expect(values.topK).toBe(3);
    expect(reads).toBe(1);
  });
  it('rejects an unknown name with the closest known one and the full list', () => {
    const e = thrown(() => readOptions({ topk: 1 }, ['topK', 'targets', 'signal'], 'fillMask'));
    expect(e.code).toBe('DBN_INVALID_ARGUMENT');
    expect(e.message).toBe('Unknown option "topk" in options of fillMask; did you mean topK? (fillMask takes topK, targets, signal)');
  });
  it('says the caller\'s names when the copy carries them', () => {
    const copy = withLabels({ topK: 2 }, { topK: 'top_k' });
    expect(Object.keys(copy)).toEqual(['topK']);
    expect(readOptions<{ topK?: number }>(copy, ['topK'], 'fillMask').label('topK')).toBe('options.top_k');
  });
  it('a revoked Proxy, a throwing getter and null are DBN_INVALID_ARGUMENT', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(thrown(() => readOptions(proxy, [], 'encode')).message).toMatch(/^Could not read options: TypeError: .*revoked/);
    const getter = {
      get maxLength(): number {
        throw new RangeError('nope');
      },
    };
    const e = thrown(() => readOptions(getter, ['maxLength'], 'encode'));
    expect(e.message).toMatch(/Could not read options: RangeError: nope/);
    expect((e as Error & { cause?: unknown }).cause).toBeInstanceOf(RangeError);
    expect(thrown(() => readOptions(null, [], 'encode')).message).toBe('Expected an options object for options but received null');
  });
});

describe('copies of inputs', () => {
  it('an index getter that returns a string, then a number, is read once', () => {
    let reads = 0;
    const input = new Proxy(['a [MASK]'], {
      get(target, key, receiver) {
        if (key === '0') return ++reads === 1 ? 'a [MASK]' : 5;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const { texts } = checkTexts(input);
    expect(reads).toBe(1);
    expect(texts !== input).toBe(true);
    expect(texts).toEqual(['a [MASK]']);
  });
  it('a sparse array names its hole, in the caller\'s name', () => {
    // eslint-disable-next-line no-sparse-arrays
    const e = thrown(() => checkTexts([, 'x'], 'input'));
    expect(e.message).toBe('Expected a value for input[0] but received a hole (input is a sparse array); pass a dense array');
  });
  it('a huge sparse array fails at its first hole without copying', () => {
    const start = Date.now();
    thrown(() => copyArray(new Array(2 ** 32 - 1), 'input', (v) => v));
    expect(Date.now() - start).toBeLessThan(1000);
  });
  it('ids: BigInt, fractions, negatives and non-arrays reject; typed arrays are copied', () => {
    expect(thrown(() => checkIds([5n], 'ids')).message).toBe('Expected a token id (an integer from 0) for ids[0] but received the BigInt 5n');
    expect(thrown(() => checkIds([1.5], 'ids')).message).toMatch(/for ids\[0\] but received 1\.5/);
    expect(thrown(() => checkIds([-1], 'ids')).message).toMatch(/for ids\[0\] but received -1/);
    expect(thrown(() => checkIds('101', 'ids')).message).toMatch(/an array of token ids for ids/);
    const ids = Int32Array.of(101, 102);
    const copy = checkIds(ids, 'ids');
    expect(copy).toEqual(ids);
    expect(copy).not.toBe(ids);
    expect(checkIds(Float64Array.of(7), 'ids')).toEqual(Int32Array.of(7));
  });
});

describe('checkTopK', () => {
  it('one bound for every task, said in the message', () => {
    expect(checkTopK(2 ** 31 - 1, 'options.topK', 5)).toBe(2 ** 31 - 1);
    for (const bad of [2 ** 31, 2 ** 40, 2 ** 53, 0, 1.5, Number.NaN, '3']) {
      const e = thrown(() => checkTopK(bad, 'options.topK', 5));
      expect(e.message).toMatch(/^Expected an integer from 1 to 2147483647 \(2\^31 - 1;.*for options\.topK but received/);
    }
    expect(checkTopK(null, 'options.top_k', 1, true)).toBeNull();
    expect(thrown(() => checkTopK(null, 'options.topK', 1)).message).toMatch(/received null/);
  });
});
