/** Public Tokenizer API and the native golden-vector test. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type Tokenizer } from '../../lib/index';
import { ROOT, SHARED_DATA, requireSharedData } from '../helpers';

let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizer(requireSharedData());
});

const invalid = expect.objectContaining({ code: 'DBN_INVALID_ARGUMENT' });

describe('golden vectors (C++, test/native/tokenizer_golden_test.cc)', () => {
  it('passes every vector in golden/', () => {
    const bin = path.join(ROOT, 'build', 'native', 'tokenizer', 'tokenizer_golden_test');
    expect(fs.existsSync(bin), `${bin} is built by scripts/build-native.sh`).toBe(true);
    const r = spawnSync(bin, [SHARED_DATA], { encoding: 'utf8' });
    const last = r.stdout.trim().split('\n').pop() ?? '';
    expect(last).toMatch(/^\d+ passed, 0 failed$/);
    expect(Number(last.split(' ')[0])).toBeGreaterThan(3000);
    expect(r.status).toBe(0);
  });
});

describe('Tokenizer', () => {
  it('offsets slice the JS string, astral chars and lone surrogates included', () => {
    const text = 'Héllo 😁 wörld\ud800!';
    const e = tok.encode(text);
    expect(e.tokens).toEqual(['[CLS]', 'hello', '[UNK]', 'world', '!', '[SEP]']);
    expect(e.offsets.map(([s, t]) => text.slice(s, t))).toEqual(['', 'Héllo', '😁', 'wörld', '!', '']);
    expect(e.overflowing).toEqual([]);
  });

  it('loads tokenizer.json, vocab.txt and a directory to the same result', async () => {
    const text = 'A naïve [MASK] test, with 中文 and ﬁne ligatures.';
    const a = await loadTokenizer(path.join(SHARED_DATA, 'tokenizer.json'));
    const b = await loadTokenizer(path.join(SHARED_DATA, 'vocab.txt'));
    expect(a.encode(text)).toEqual(tok.encode(text));
    expect(b.encode(text)).toEqual(tok.encode(text));
  });

  it('encodeBatch equals encode per input, on one thread or several', () => {
    const inputs: (string | [string, string])[] = [];
    for (let i = 0; i < 300; i++) inputs.push(i % 3 ? `sentence ${i} `.repeat(i % 40) : [`q${i}?`, `context ${i}`.repeat(5)]);
    const one = inputs.map((x) => (typeof x === 'string' ? tok.encode(x) : tok.encode(x[0], x[1])));
    expect(tok.encodeBatch(inputs, { threads: 1 })).toEqual(one);
    expect(tok.encodeBatch(inputs, { threads: 4 })).toEqual(one);
  });

  it('truncates with stride into overflowing windows and pads', () => {
    const q = 'Who jumps?';
    const ctx = 'The quick brown fox jumps over the lazy dog. '.repeat(4);
    const e = tok.encode(q, ctx, { truncation: 'only_second', maxLength: 20, stride: 4, padding: 'max_length' });
    expect(e.ids.length).toBe(20);
    expect(e.overflowing.length).toBeGreaterThan(0);
    for (const o of e.overflowing) {
      expect(o.ids.length).toBe(20);
      expect(o.sequenceIds.filter((s) => s === 0).length).toBe(3); // the question is kept whole
    }
    const padded = tok.encodeBatch(['a', 'a b c d e'], { padding: true, paddingSide: 'left' });
    expect(padded.map((p) => p.ids.length)).toEqual([7, 7]);
    expect(padded[0]!.attentionMask).toEqual([0, 0, 0, 0, 1, 1, 1]);
    expect(padded[0]!.tokens.slice(0, 4)).toEqual(['[PAD]', '[PAD]', '[PAD]', '[PAD]']);
  });

  it('validates arguments with DBN_INVALID_ARGUMENT', () => {
    expect(() => tok.encode(42 as unknown as string)).toThrow(invalid);
    expect(() => tok.encode('a', null, { truncation: 'sideways' as never })).toThrow(invalid);
    expect(() => tok.encode('a', null, { maxLength: -1, truncation: true })).toThrow(invalid);
    expect(() => tok.encode('a', null, { padding: 'max' as never })).toThrow(invalid);
    expect(() => tok.encodeBatch([['a'] as unknown as [string, string]])).toThrow(invalid);
    expect(() => tok.encodeBatch(['a'], { threads: 0 })).toThrow(invalid);
    expect(() => tok.decode([1.5])).toThrow(invalid);
  });

  it('decodes with special tokens skipped and ## pieces joined', () => {
    const e = tok.encode("Hello, y'all! How are you?");
    // HF's WordPiece decoder cleans up token by token, so " ' " stays spaced (as the oracle does).
    expect(tok.decode(e.ids)).toBe("hello, y ' all! how are you?");
    expect(tok.decode(e.ids, { skipSpecialTokens: false })).toBe("[CLS] hello, y ' all! how are you? [SEP]");
    expect(tok.decode(tok.encode('unaffable').ids)).toBe('unaffable');
  });
});
