#!/usr/bin/env node
/**
 * Generates the tokenizer parity corpus: N lines (default 100000) of text built to hit every
 * corner of BertNormalizer / BertPreTokenizer / WordPiece / added-token matching. Deterministic
 * for a given --seed. Written as JSON Lines (one JSON string per line) because texts contain
 * newlines, control characters and lone surrogates, which JSON.stringify escapes losslessly.
 *
 *   node tools/tokenizer/gen-tokenizer-corpus.js [--lines N] [--seed S] [--out FILE]
 *   (default out: fixtures/tokenizer-corpus-<seed>-<lines>.jsonl; reused when present)
 *
 * Also usable as a module: `generateCorpus(lines, seed) -> string[]`.
 * Categories (each line draws one, some lines mix several): english, multilingual, emoji,
 * combining, cjk, control, surrogates, longwords, whitespace, specials, random code points,
 * punctuation soup, mixed.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function rng(seed) {
  // mulberry32: small, fast, identical on every platform.
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (arr) => arr[int(arr.length)];
  const range = (lo, hi) => lo + int(hi - lo + 1);
  return { next, int, pick, range };
}

const WORDS = (
  'the of and to in is was for that on as with by he at from his it an were are which this be or ' +
  'has had not first one their its new after but who they two her she been other when there all ' +
  'during into school time may years more most only over city some world would where later up ' +
  'such used many can state about national out known university united then made tokenizer ' +
  'unaffable unbelievable running jumped quickly internationalization antidisestablishment ' +
  "don't can't it's you're we'll o'clock rock'n'roll e-mail co-operate state-of-the-art " +
  'Hello World HELLO McDonald iPhone JavaScript PyTorch DistilBERT naïve café résumé façade ' +
  'Straße ÆØÅ İstanbul ΣΊΣΥΦΟΣ Ǆemal ﬁne ﬂow Ⅻ ① ½ ²³ ℃ ℡ ™ ﬀ ﬃ ǅ ǈ ǋ ʼn'
).split(' ');

const PHRASES = [
  'Hello, y\'all! How are you 😁 ?',
  'Le cœur a ses raisons que la raison ne connaît point.',
  'Über die Brücke gehen — schön, nicht wahr?',
  'Tiếng Việt có dấu: Hà Nội, Sài Gòn, phở bò.',
  'Ελληνικά: Καλημέρα κόσμε, ΟΔΥΣΣΕΥΣ.',
  'Русский язык: Привет, мир! Ёлка и йогурт.',
  'العربية: مرحبا بالعالم، كيف حالك؟',
  'עברית: שלום עולם! ׳גרש׳ ״גרשיים״',
  'हिन्दी: नमस्ते दुनिया। क्षत्रिय',
  'ไทย: สวัสดีชาวโลก ภาษาไทย',
  '한국어: 안녕하세요 세계! 각 갂 똠',
  '日本語：こんにちは世界。カタカナ、ﾊﾝｶｸ。',
  '中文：你好，世界！《三国演义》「引号」',
  'ქართული ენა, Հայերեն, አማርኛ ቋንቋ',
  'Türkçe: Iğdır, ılık, İzmir; Azərbaycan: Əli',
  'Polski: Zażółć gęślą jaźń. Čeština: Příliš žluťoučký kůň.',
  'தமிழ் மொழி, తెలుగు, ಕನ್ನಡ, മലയാളം, বাংলা, ગુજરાતી, ਪੰਜਾਬੀ',
  'Tibetan: བོད་སྐད་ Mongolian: ᠮᠣᠩᠭᠣᠯ Khmer: ភាសាខ្មែរ Lao: ພາສາລາວ',
  'Math: ∀x∈ℝ, x²≥0; ∑ᵢ aᵢ = ∞ ≠ ∅ ⊂ ℕ; 𝔸𝕓𝒸 𝟘𝟙',
  'Fullwidth: ＡＢＣ ａｂｃ １２３ ！？（）',
];

const SCRIPTS = [
  [0x41, 0x5a], [0x61, 0x7a], [0xc0, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff], [0x530, 0x58f],
  [0x5d0, 0x5ea], [0x620, 0x64a], [0x900, 0x97f], [0x980, 0x9ff], [0xe00, 0xe5b], [0xe80, 0xeff],
  [0xf00, 0xfff], [0x10a0, 0x10ff], [0x1100, 0x11ff], [0x1200, 0x137f], [0x13a0, 0x13ff],
  [0x1780, 0x17ff], [0x1800, 0x18af], [0x1e00, 0x1eff], [0x1f00, 0x1fff], [0x2c00, 0x2c5f],
  [0x3040, 0x309f], [0x30a0, 0x30ff], [0x3130, 0x318f], [0xa000, 0xa48f], [0xac00, 0xd7a3],
  [0xff00, 0xffef], [0x10000, 0x1007f], [0x10330, 0x1034f], [0x1d400, 0x1d7ff],
];
const CJK = [
  [0x4e00, 0x9fff], [0x3400, 0x4dbf], [0x20000, 0x2a6df], [0x2a700, 0x2b73f], [0x2b740, 0x2b81f],
  [0x2b820, 0x2ceaf], [0x2ceb0, 0x2ebef], [0xf900, 0xfaff], [0x2f800, 0x2fa1f], [0x30000, 0x3134f],
  [0x3000, 0x303f], [0x31c0, 0x31ef], [0x2e80, 0x2eff], [0x2f00, 0x2fdf], [0x3100, 0x312f],
];
const COMBINING = [
  [0x300, 0x36f], [0x483, 0x489], [0x591, 0x5bd], [0x610, 0x61a], [0x64b, 0x65f], [0x93c, 0x94d],
  [0x1ab0, 0x1aff], [0x1dc0, 0x1dff], [0x20d0, 0x20f0], [0xfe20, 0xfe2f], [0x302a, 0x302f],
  [0x3099, 0x309a], [0x1d165, 0x1d169], [0x1d16d, 0x1d172], [0x1d17b, 0x1d182], [0x1d185, 0x1d18b],
  [0x0e31, 0x0e3a], [0x0b3c, 0x0b57], [0x0f71, 0x0f84], [0x1039, 0x103a], [0x1b34, 0x1b44],
];
const EMOJI = [
  '😀', '😁', '🤖', '👍', '👍🏽', '👍🏿', '❤️', '❤', '✌️', '☺', '🇫🇷', '🇯🇵', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '👨‍👩‍👧‍👦',
  '🧑🏽‍💻', '👩‍❤️‍💋‍👨', '🏳️‍🌈', '1️⃣', '#️⃣', '©️', '™️', '🫠', '🦀', '🀄', '🃏', '🉐', '㊗️', '⌚',
  '\u{1F1E6}', '\u{1F3FB}', '\u200D', '\uFE0F', '\uFE0E', '🧶🧶🧶', '😀😀', '👋🏼👋',
];
const CONTROLS = [
  '\0', '\x01', '\x07', '\b', '\t', '\n', '\v', '\f', '\r', '\x0e', '\x1b', '\x1f', '\x7f', '\x80',
  '\x85', '\x9f', '\u00ad', '\u0600', '\u061c', '\u06dd', '\u070f', '\u180e', '\u200b', '\u200c',
  '\u200d', '\u200e', '\u200f', '\u202a', '\u202e', '\u2060', '\u2061', '\u2064', '\u2066',
  '\u2069', '\ufeff', '\ufff9', '\ufffb', '\ufffc', '\ufffd', '\u{110bd}', '\u{1d173}',
  '\u{e0001}', '\u{e0020}', '\u{e007f}', '\ue000', '\uf8ff', '\u{f0000}', '\u{10fffd}', '\ufdd0',
  '\uffff', '\u{1fffe}', '\u0378', '\u{e01ef}',
];
const SPACES = [
  ' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u1680', '\u2000', '\u2002', '\u2007',
  '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\x1c', '\x1d', '\x1e', '\x1f', '\x85',
  '\v', '\f', '    ', '\t\t', ' \u00a0 ',
];
const SPECIALS = [
  '[CLS]', '[SEP]', '[PAD]', '[MASK]', '[UNK]', '[mask]', '[Mask]', '[MASK', 'MASK]', '[ MASK ]',
  '[[MASK]]', '[MASK][MASK]', '[SEP][CLS]', '[unused0]', '[unused993]', '[unused994]', '##', '##ing',
  '#', '[]', '[CLS][CLS]', '[MASK]]', '[[SEP]', '[ＭＡＳＫ]', '［MASK］',
];
const PUNCT = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~¡§«¶·»¿‐–—―‘’‚“”„†‡•…‰′″‹›※‼⁇⁈⁉⁎⁑⁓⁕、。〃〈〉《》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟・＼～￥￡＄＾｀｜';

function codePoint(r, lo, hi) {
  return String.fromCodePoint(r.range(lo, hi));
}

function makeGen(r) {
  const word = () => {
    const w = r.pick(WORDS);
    const k = r.int(10);
    if (k === 0) return w.toUpperCase();
    if (k === 1) return w[0].toUpperCase() + w.slice(1);
    return w;
  };
  const scriptWord = () => {
    const [lo, hi] = r.pick(SCRIPTS);
    let s = '';
    for (let i = r.range(1, 9); i > 0; i--) s += codePoint(r, lo, hi);
    return s;
  };
  const cjk = () => {
    let s = '';
    for (let i = r.range(1, 8); i > 0; i--) {
      const [lo, hi] = r.int(3) === 0 ? r.pick(CJK) : CJK[0];
      s += codePoint(r, lo, hi);
    }
    return s;
  };
  const combining = () => {
    let s = r.int(4) === 0 ? r.pick(['', ' ', '\t']) : r.pick(['a', 'e', 'o', 'A', 'Z', 'ı', 'ø', 'α', 'и', 'क', 'ก', '1', '.', '語']);
    for (let i = r.range(1, 5); i > 0; i--) {
      const [lo, hi] = r.pick(COMBINING);
      s += codePoint(r, lo, hi);
    }
    return s + (r.int(2) ? word() : '');
  };
  const surrogate = () =>
    r.pick([
      () => String.fromCharCode(r.range(0xd800, 0xdbff)),
      () => String.fromCharCode(r.range(0xdc00, 0xdfff)),
      () => '\udc00\ud800',
      () => '😀'.split('').reverse().join(''),
      () => '😀'[0] + 'x',
      () => 'x' + '😀'[1],
      () => '\ud83d\ud83d\ude00',
    ])();
  const longWord = () => {
    const k = r.int(7);
    if (k === 0) return 'a'.repeat(r.range(95, 105));
    if (k === 1) return 'é'.repeat(r.range(98, 102));
    if (k === 2) return String(r.next()).slice(2).repeat(r.range(5, 20));
    if (k === 3) return 'https://example.com/' + 'path/'.repeat(r.range(1, 30)) + '?q=' + word();
    if (k === 4) {
      let s = '';
      while (s.length < r.range(90, 130)) s += word();
      return s;
    }
    if (k === 5) return '😀'.repeat(r.range(40, 60));
    return 'x'.repeat(r.range(1, 400));
  };
  const random = () => {
    const k = r.int(10);
    if (k < 6) return String.fromCodePoint(r.range(0x20, 0x2fff));
    if (k < 8) return String.fromCodePoint(r.range(0x3000, 0xd7ff));
    if (k < 9) return String.fromCodePoint(r.range(0xe000, 0xffff));
    return String.fromCodePoint(r.range(0x10000, 0x10ffff));
  };
  const punct = () => {
    let s = '';
    for (let i = r.range(1, 6); i > 0; i--) s += r.pick([...PUNCT]);
    return s;
  };
  return {
    english: word,
    multilingual: () => (r.int(3) === 0 ? r.pick(PHRASES) : scriptWord()),
    emoji: () => r.pick(EMOJI),
    combining,
    cjk,
    control: () => r.pick(CONTROLS),
    surrogates: surrogate,
    longwords: longWord,
    whitespace: () => r.pick(SPACES),
    specials: () => r.pick(SPECIALS),
    random,
    punct,
  };
}

const CATEGORIES = [
  'english', 'multilingual', 'emoji', 'combining', 'cjk', 'control', 'surrogates', 'longwords',
  'whitespace', 'specials', 'random', 'punct',
];

function line(r, gen) {
  const k = r.int(20);
  if (k === 0) return '';
  const main = r.pick(CATEGORIES);
  const parts = [];
  const n = k < 2 ? r.range(30, 150) : r.range(1, 16); // some long lines
  for (let i = 0; i < n; i++) {
    // Mostly the line's own category, glued to others with or without separators.
    const cat = r.int(3) === 0 ? r.pick(CATEGORIES) : r.int(4) === 0 ? 'english' : main;
    parts.push(gen[cat]());
    const sep = r.int(10);
    if (sep < 6) parts.push(' ');
    else if (sep === 6) parts.push(gen.whitespace());
    else if (sep === 7) parts.push(r.pick([...',.;:!?']));
    // else: no separator (tokens glued to their neighbours: "foo[MASK]bar")
  }
  return parts.join('');
}

function generateCorpus(lines = 100000, seed = 1) {
  const r = rng(seed);
  const gen = makeGen(r);
  const out = [];
  // Fixed cases first: every special token alone and at the edges of text.
  for (const s of SPECIALS) out.push(s, ` ${s} `, `a${s}b`, `${s}\u00e9`);
  while (out.length < lines) out.push(line(r, gen));
  return out.slice(0, lines);
}

function corpusPath(root, lines, seed) {
  // v2: bump when the generator changes, so a stale cached corpus is never reused.
  return path.join(root, 'fixtures', `tokenizer-corpus-v2-${seed}-${lines}.jsonl`);
}

/** Writes (or reuses) the corpus file and returns its lines. */
function ensureCorpus(root, lines = 100000, seed = 1) {
  const file = corpusPath(root, lines, seed);
  if (!fs.existsSync(file)) {
    const texts = generateCorpus(lines, seed);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file + '.tmp', texts.map((t) => JSON.stringify(t)).join('\n') + '\n');
    fs.renameSync(file + '.tmp', file);
    return texts;
  }
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

module.exports = { generateCorpus, ensureCorpus, corpusPath };

if (require.main === module) {
  const args = process.argv.slice(2);
  const get = (flag, def) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : def;
  };
  const lines = Number(get('--lines', '100000'));
  const seed = Number(get('--seed', '1'));
  const root = path.resolve(__dirname, '..', '..');
  const out = get('--out', corpusPath(root, lines, seed));
  const texts = generateCorpus(lines, seed);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, texts.map((t) => JSON.stringify(t)).join('\n') + '\n');
  const chars = texts.reduce((n, t) => n + t.length, 0);
  process.stdout.write(`${out}: ${texts.length} lines, ${chars} UTF-16 code units\n`);
}
