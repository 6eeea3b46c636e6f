/**
 * Tokenizer parity against Hugging Face's own Rust tokenizer (npm `tokenizers`, the oracle),
 * on the generated 100k-line corpus (tools/tokenizer/gen-tokenizer-corpus.js) and on configuration
 * variants of tokenizer.json. Ids, tokens and offsets must be identical; offsets are compared
 * in UTF-16 code units (ours) against the oracle's code-point offsets mapped onto the same
 * JS string.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Tokenizer as HfTokenizer, type Encoding as HfEncoding } from 'tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTokenizer, type Encoding, type Tokenizer } from '../../lib/index';
import { ROOT, SHARED_DATA, requireSharedData } from '../helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureCorpus } = require('../../tools/tokenizer/gen-tokenizer-corpus.js') as {
  ensureCorpus(root: string, lines: number, seed: number): string[];
};

const TOKENIZER_JSON = path.join(SHARED_DATA, 'tokenizer.json');
beforeAll(() => void requireSharedData());
const LINES = 100_000;

/** UTF-16 index of every code point of s (lone surrogates count as one code point, as in the oracle). */
function cpToUtf16(s: string): number[] {
  const out: number[] = [];
  let u = 0;
  for (const ch of s) {
    out.push(u);
    u += ch.length;
  }
  out.push(u);
  return out;
}

interface Flat {
  ids: number[];
  tokens: string[];
  offsets: [number, number][];
  typeIds: number[];
  wordIds: (number | null)[];
  sequenceIds: (number | null)[];
  attentionMask: number[];
  specialTokensMask: number[];
}

function fromOracle(e: HfEncoding, text: string, pair: string | null, full: boolean): Flat {
  const a = cpToUtf16(text);
  const b = pair == null ? a : cpToUtf16(pair);
  const seq = e.getSequenceIds().map((s) => (s == null ? null : s));
  const offsets = e.getOffsets().map(([s, t], i) => {
    const m = seq[i] === 1 ? b : a;
    return [m[s!]!, m[t!]!] as [number, number];
  });
  const flat: Flat = {
    ids: e.getIds(),
    tokens: e.getTokens(),
    offsets,
    wordIds: e.getWordIds().map((w) => (w == null ? null : w)),
    sequenceIds: seq,
  } as Flat;
  if (full) {
    flat.typeIds = e.getTypeIds();
    flat.attentionMask = e.getAttentionMask();
    flat.specialTokensMask = e.getSpecialTokensMask();
  }
  return flat;
}

function fromOurs(e: Encoding, full: boolean): Flat {
  const { ids, tokens, offsets, wordIds, sequenceIds } = e;
  const flat = { ids, tokens, offsets, wordIds, sequenceIds } as Flat;
  if (full) {
    flat.typeIds = e.typeIds;
    flat.attentionMask = e.attentionMask;
    flat.specialTokensMask = e.specialTokensMask;
  }
  return flat;
}

/** Compares every input; reports the first few differences with their inputs. */
function expectSame(
  inputs: [string, string | null][],
  ours: Encoding[],
  oracle: HfEncoding[],
  full = false,
  overflow = false,
): void {
  const failures: string[] = [];
  let mismatches = 0;
  // Only the top-level windows: the oracle also nests copies of sibling windows inside each
  // overflowing encoding (an artefact of Encoding::merge_with); we do not expose those.
  const compare = (i: number, o: Encoding, r: HfEncoding, where: string, top = true) => {
    const [text, pair] = inputs[i]!;
    const want = JSON.stringify(fromOracle(r, text, pair, full));
    const got = JSON.stringify(fromOurs(o, full));
    if (want !== got) {
      mismatches++;
      if (failures.length < 5) {
        failures.push(`#${i}${where} ${JSON.stringify([text, pair])}\n  oracle: ${want.slice(0, 600)}\n  ours:   ${got.slice(0, 600)}`);
      }
    }
    if (overflow && top) {
      const ro = r.getOverflowing();
      if (ro.length !== o.overflowing.length) {
        mismatches++;
        failures.push(`#${i}${where} overflowing: oracle ${ro.length}, ours ${o.overflowing.length}`);
      } else ro.forEach((x, k) => compare(i, o.overflowing[k]!, x, `${where}.overflowing[${k}]`, false));
    }
  };
  ours.forEach((o, i) => compare(i, o, oracle[i]!, ''));
  expect(failures.join('\n'), `${mismatches} of ${inputs.length} inputs differ`).toBe('');
  expect(mismatches).toBe(0);
}

/** Writes a tokenizer.json variant with a different normalizer (under fixtures/, generated). */
function variant(name: string, normalizer: Record<string, unknown>): string {
  const dir = path.join(ROOT, 'fixtures', 'tokenizer-variants', name);
  fs.mkdirSync(dir, { recursive: true });
  const json = JSON.parse(fs.readFileSync(TOKENIZER_JSON, 'utf8'));
  json.normalizer = { ...json.normalizer, ...normalizer };
  const file = path.join(dir, 'tokenizer.json');
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}

/** The npm oracle's encodeBatch takes no pairs: encode them one by one (still in parallel). */
async function oracleEncode(tok: HfTokenizer, inputs: [string, string | null][], addSpecialTokens = true): Promise<HfEncoding[]> {
  if (inputs.every(([, b]) => b == null)) return tok.encodeBatch(inputs.map(([a]) => a), { addSpecialTokens });
  return Promise.all(inputs.map(([a, b]) => tok.encode(a, b, { addSpecialTokens })));
}

let corpus: string[];
let ours: Tokenizer;
let oracle: HfTokenizer;

beforeAll(async () => {
  corpus = ensureCorpus(ROOT, LINES, 1);
  ours = await loadTokenizer(TOKENIZER_JSON);
  oracle = HfTokenizer.fromFile(TOKENIZER_JSON);
}, 120_000);

describe('parity with HF tokenizers on the generated corpus', () => {
  it(`is identical on all ${LINES} lines (ids, tokens, offsets, word ids)`, async () => {
    expect(corpus.length).toBe(LINES);
    const inputs = corpus.map((t) => [t, null] as [string, null]);
    const [mine, theirs] = [ours.encodeBatch(corpus), await oracle.encodeBatch(corpus)];
    expectSame(inputs, mine, theirs);
  }, 300_000);

  it('is identical without special tokens', async () => {
    const texts = corpus.slice(0, 10_000);
    const mine = ours.encodeBatch(texts, { addSpecialTokens: false });
    const theirs = await oracle.encodeBatch(texts, { addSpecialTokens: false });
    expectSame(texts.map((t) => [t, null]), mine, theirs);
  }, 120_000);

  it('is identical on 10k text pairs, every field', async () => {
    const pairs: [string, string][] = [];
    for (let i = 0; i + 1 < 20_000; i += 2) pairs.push([corpus[i]!, corpus[i + 1]!]);
    const mine = ours.encodeBatch(pairs);
    const theirs = await oracleEncode(oracle, pairs);
    expectSame(pairs, mine, theirs, true);
  }, 120_000);

  it('reads vocab.txt + tokenizer_config.json the same way', async () => {
    const fromVocab = await loadTokenizer(path.join(SHARED_DATA, 'vocab.txt'));
    const texts = corpus.slice(20_000, 40_000);
    const theirs = await oracle.encodeBatch(texts);
    expectSame(texts.map((t) => [t, null]), fromVocab.encodeBatch(texts), theirs);
  }, 120_000);

  const variants: [string, Record<string, unknown>][] = [
    ['cased', { lowercase: false, strip_accents: null }],
    ['cased-strip', { lowercase: false, strip_accents: true }],
    ['lower-keep-accents', { lowercase: true, strip_accents: false }],
    ['no-clean-no-chinese', { clean_text: false, handle_chinese_chars: false }],
  ];
  for (const [name, normalizer] of variants) {
    it(`is identical with normalizer ${JSON.stringify(normalizer)}`, async () => {
      const file = variant(name, normalizer);
      const mine = await loadTokenizer(file);
      const theirs = HfTokenizer.fromFile(file);
      const texts = corpus.slice(40_000, 55_000);
      expectSame(texts.map((t) => [t, null]), mine.encodeBatch(texts), await theirs.encodeBatch(texts));
    }, 120_000);
  }
});

describe('parity of truncation, stride, overflow and padding', () => {
  const cases: { name: string; ours: object; trunc?: [number, object]; pad?: object; pairs: boolean; firstChars?: number }[] = [
    { name: 'longest_first 32', ours: { truncation: true, maxLength: 32 }, trunc: [32, {}], pairs: true },
    { name: 'longest_first 24 stride 5', ours: { truncation: 'longest_first', maxLength: 24, stride: 5 }, trunc: [24, { stride: 5 }], pairs: true },
    { name: 'only_second 48 stride 8 (QA windows)', ours: { truncation: 'only_second', maxLength: 48, stride: 8 }, trunc: [48, { strategy: 'OnlySecond', stride: 8 }], pairs: true, firstChars: 20 },
    { name: 'only_first 40 stride 3, left', ours: { truncation: 'only_first', maxLength: 40, stride: 3, truncationSide: 'left' }, trunc: [40, { strategy: 'OnlyFirst', stride: 3, direction: 'left' }], pairs: false },
    { name: 'single 16 stride 4 + pad max_length', ours: { truncation: true, maxLength: 16, stride: 4, padding: 'max_length' }, trunc: [16, { stride: 4 }], pad: { maxLength: 16 }, pairs: false },
    { name: 'pad longest, multiple of 8, left (batch)', ours: { padding: true, padToMultipleOf: 8, paddingSide: 'left' }, pad: { padToMultipleOf: 8, direction: 'left' }, pairs: false },
    { name: 'truncate 64 + pad longest (batch)', ours: { truncation: true, maxLength: 64, padding: 'longest' }, trunc: [64, {}], pad: {}, pairs: false },
    { name: 'pairs: truncate 48 stride 6 + pad max_length', ours: { truncation: true, maxLength: 48, stride: 6, padding: 'max_length' }, trunc: [48, { stride: 6 }], pad: { maxLength: 48 }, pairs: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const theirs = HfTokenizer.fromFile(TOKENIZER_JSON);
      if (c.trunc) theirs.setTruncation(c.trunc[0], c.trunc[1]);
      if (c.pad) theirs.setPadding({ padId: 0, padToken: '[PAD]', ...c.pad });
      // Inputs long enough to overflow; only_first needs its first text to hold the cut.
      const inputs: [string, string | null][] = [];
      for (let i = 60_000; inputs.length < 600; i += 2) {
        const a = corpus[i]!;
        const b = corpus[i + 1]!;
        inputs.push(c.pairs ? [a.slice(0, c.firstChars ?? 80), b] : [a + ' ' + b, null]);
      }
      const batch = inputs.map(([a, b]) => (b == null ? a : ([a, b] as [string, string])));
      const mine = ours.encodeBatch(batch, c.ours);
      const want = await oracleEncode(theirs, inputs);
      expectSame(inputs, mine, want, true, true);
    }, 120_000);
  }

  it('rejects what HF rejects, with DBN_INVALID_ARGUMENT', () => {
    const long = 'word '.repeat(100);
    expect(() => ours.encode(long, null, { truncation: 'only_second', maxLength: 16 })).toThrow(
      expect.objectContaining({ code: 'DBN_INVALID_ARGUMENT' }),
    );
    expect(() => ours.encode(long, null, { truncation: true, maxLength: 10, stride: 8 })).toThrow(
      expect.objectContaining({ code: 'DBN_INVALID_ARGUMENT' }),
    );
    expect(() => ours.encode('a', 'b c d e f g', { truncation: 'only_first', maxLength: 6 })).toThrow(
      expect.objectContaining({ code: 'DBN_INVALID_ARGUMENT' }),
    );
  });
});

describe('invalid UTF-16 from JS', () => {
  it('gives the oracle result (each lone surrogate is one U+FFFD) on random code-unit soup', async () => {
    // Deterministic xorshift so a failure reproduces.
    let x = 0x2545f491;
    const rnd = (n: number) => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    const alphabet = ['a', 'Z', ' ', '[MASK]', 'é', '\u0301', '😀', '中', '\t', '.'];
    const texts: string[] = [];
    for (let i = 0; i < 5000; i++) {
      let s = '';
      for (let k = rnd(24); k > 0; k--) {
        const r = rnd(4);
        s += r === 0 ? String.fromCharCode(0xd800 + rnd(0x800)) : r === 1 ? String.fromCharCode(rnd(0x10000)) : alphabet[rnd(alphabet.length)]!;
      }
      texts.push(s);
    }
    const theirs = await oracle.encodeBatch(texts);
    expectSame(texts.map((t) => [t, null]), ours.encodeBatch(texts), theirs);
    // Offsets index the JS string itself: a lone surrogate is one code unit.
    const e = ours.encode('x\ud800y\udc00z', null, { addSpecialTokens: false });
    expect(e.tokens).toEqual(['x', '##y', '##z']);
    expect(e.offsets).toEqual([[0, 1], [2, 3], [4, 5]]);
  }, 120_000);
});
