/** Every error the package throws is a DistilBertError with its code, native failures included. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DistilBertError, loadModel, loadTokenizer, TASKS } from '../../lib/index';
import { fixture, rejection, requireSharedData } from '../helpers';

describe('error class', () => {
  it('loadModel on a missing directory rejects with a DistilBertError', async () => {
    const e = await rejection(loadModel(path.join(__dirname, 'no-such-model')));
    expect(e).toBeInstanceOf(DistilBertError);
    expect(e.code).toBe('DBN_MODEL_LOAD_FAILED');
  });

  it('loadTokenizer failures and native tokenizer throws are DistilBertErrors', async () => {
    const e = await rejection(loadTokenizer(path.join(__dirname, 'no-such-tokenizer')));
    expect(e).toBeInstanceOf(DistilBertError);
    expect(e.code).toBe('DBN_MODEL_LOAD_FAILED');
    const tok = await loadTokenizer(requireSharedData());
    // A stride that leaves no room is rejected by the native tokenizer itself.
    let thrown: unknown;
    try {
      tok.encode('a b c d e f g h', null, { truncation: true, maxLength: 4, stride: 10 });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DistilBertError);
    expect((thrown as DistilBertError).code).toBe('DBN_INVALID_ARGUMENT');
    let bad: unknown;
    try {
      tok.idToToken(10 ** 7);
    } catch (err) {
      bad = err;
    }
    expect(bad).toBeInstanceOf(DistilBertError);
  });

  it('argument, head and batched errors are DistilBertErrors; the registry names the head', async () => {
    const model = await loadModel(fixture('tiny-mlm-s1', ['--seed', '1']));
    try {
      const bad = await rejection(model.fillMask('x [MASK]', { topK: 0 }));
      expect(bad).toBeInstanceOf(DistilBertError);
      expect(bad.code).toBe('DBN_INVALID_ARGUMENT');
      const head = await rejection(model.classify('hello'));
      expect(head).toBeInstanceOf(DistilBertError);
      expect(head.code).toBe('DBN_UNSUPPORTED_MODEL');
      expect(head.message).toContain(TASKS['text-classification'].head!);
      const noMask = await rejection(model.fillMask('no mask here'));
      expect(noMask).toBeInstanceOf(DistilBertError);
      expect(noMask.code).toBe('DBN_NO_MASK');
    } finally {
      await model.dispose();
    }
    const disposed = await rejection(model.fillMask('x [MASK]'));
    expect(disposed).toBeInstanceOf(DistilBertError);
    expect(disposed.code).toBe('DBN_DISPOSED');
  });

  it('a native failure inside a batched job keeps its code and message, and the caller stack', async () => {
    // Task jobs make their Error only when they fail (the batcher keeps each caller's stack).
    const model = await loadModel(fixture('tiny-mlm-s1', ['--seed', '1']));
    try {
      const outside = Int32Array.of(101, 99_999_999, 102);
      const direct = await rejection(model.parts.native.embed(outside, Int32Array.of(3), 'mean', false));
      expect(direct).toBeInstanceOf(Error);
      expect(direct.code).toBe('DBN_INVALID_ARGUMENT');
      expect(direct.message).toMatch(/token id 99999999 is outside the vocabulary/);
      const kind = { key: 'raw', run: (ids: Int32Array, lengths: Int32Array) => model.parts.native.fillMask(ids, lengths, 5, null) };
      const batched = await rejection(model.batcher.submit(kind, [Int32Array.of(101, 103, 99_999_999, 102)]));
      expect(batched).toBeInstanceOf(DistilBertError);
      expect(batched.code).toBe('DBN_INVALID_ARGUMENT');
      expect(batched.stack).toMatch(/errorClass\.test\.ts/);
    } finally {
      await model.dispose();
    }
  });
});
