// Deterministic bench inputs from the real vocabulary (GENERATED; rerun instead of editing).
//
//   node bench/workloads.mjs MODEL_DIR OUT.json [SEED]
//
// Every sentence is [CLS] w1 … wn [SEP] where each w is a whole, lowercase, alphabetic vocab
// entry (so WordPiece maps it back to exactly that one id) and exactly one w is [MASK]. The text
// is those words joined by spaces, so every system's tokenizer yields the stored ids (the
// children check this). Shapes: 1x16, 8x128, 32x128 (every sentence exactly seq tokens) and
// mixed32 (32 sentences, lengths uniform in 10..128, [CLS]/[SEP] included).
import { readFileSync, writeFileSync } from 'node:fs';

const [modelDir, outFile, seedArg] = process.argv.slice(2);
if (!outFile) {
  console.error('usage: node bench/workloads.mjs MODEL_DIR OUT.json [SEED]');
  process.exit(2);
}
const seed = Number(seedArg ?? 1234);

// mulberry32: tiny, seedable, identical on every platform.
function rng(s) {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(seed);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1)); // inclusive

const vocab = readFileSync(`${modelDir}/vocab.txt`, 'utf8').split('\n');
const id = (tok) => {
  const i = vocab.indexOf(tok);
  if (i < 0) throw new Error(`${tok} not in ${modelDir}/vocab.txt`);
  return i;
};
const [CLS, SEP, MASK, PAD] = ['[CLS]', '[SEP]', '[MASK]', '[PAD]'].map(id);
const words = [];
vocab.forEach((w, i) => {
  if (/^[a-z]{2,}$/.test(w)) words.push(i);
});

function sentence(len) {
  const ids = [CLS];
  const maskAt = int(1, len - 2);
  for (let j = 1; j < len - 1; j++) ids.push(j === maskAt ? MASK : words[int(0, words.length - 1)]);
  ids.push(SEP);
  const text = ids.slice(1, -1).map((i) => vocab[i]).join(' ');
  return { ids, text };
}

function shape(name, lengths) {
  const s = lengths.map(sentence);
  return { name, batch: lengths.length, seq: Math.max(...lengths), lengths, texts: s.map((x) => x.text), ids: s.map((x) => x.ids) };
}

const shapes = {
  '1x16': shape('1x16', [16]),
  '8x128': shape('8x128', Array(8).fill(128)),
  '32x128': shape('32x128', Array(32).fill(128)),
  mixed32: shape('mixed32', Array.from({ length: 32 }, () => int(10, 128))),
};
writeFileSync(
  outFile,
  JSON.stringify({
    generated_by: 'bench/workloads.mjs (generated; do not edit)',
    seed,
    vocab_words: words.length,
    cls_id: CLS,
    sep_id: SEP,
    mask_id: MASK,
    pad_id: PAD,
    shapes,
  }),
);
const m = shapes.mixed32.lengths;
console.log(
  `workloads: wrote ${outFile} (seed ${seed}; mixed32 lengths ${Math.min(...m)}..${Math.max(...m)}, ` +
    `${m.reduce((a, b) => a + b, 0)} real tokens, ${32 * Math.max(...m)} when padded)`,
);
