#!/usr/bin/env node
/**
 * Measures which combining marks the oracle (npm `tokenizers`, HF's Rust core) treats as
 * non-starters during NFD canonical reordering, and writes
 * tools/tokenizer/oracle-combining-class-starters.json for tools/tokenizer/gen-unicode-tables.py.
 *
 *   node tools/tokenizer/probe-oracle-combining-classes.js [tokenizer.json]   (needs: python3, devDependency tokenizers)
 *
 * Why: HF's NFD (crate unicode-normalization-alignments) carries older Unicode tables than
 * Python's unicodedata, so marks assigned later have combining class 0 there. Reordering is
 * visible in offsets: after NFD, alignments are handed out by position, so a kept mark that
 * is moved takes the span of the char whose slot it lands in. For every char X with a
 * non-zero class in Python, "aXR" / "aRX" (R a reference mark with known class, removed when
 * X is kept and kept when X is removed) shows whether X moved; a mark that never moves where
 * Python's class says it must is a starter for the oracle.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { Tokenizer } = require('tokenizers');

const ROOT = path.resolve(__dirname, '..', '..');
const TOKENIZER = process.argv[2] ?? path.resolve(ROOT, '..', 'shared', 'data', 'distilbert-base-uncased', 'tokenizer.json');
// Reference marks: [code point, class]. KEPT survive strip_accents (spacing marks),
// REMOVED are nonspacing marks it deletes.
const KEPT = [[0x1b44, 9], [0x1d165, 216], [0x302e, 224], [0x1d16d, 226], [0x1dfb, 230]];
const REMOVED = [[0x334, 1], [0x93c, 7], [0x94d, 9], [0x5b0, 10], [0x5b9, 19], [0x64b, 27], [0x651, 33],
  [0x670, 35], [0x711, 36], [0xc55, 84], [0xc56, 91], [0xe38, 103], [0xe48, 107], [0xeb8, 118],
  [0xec8, 122], [0xf71, 129], [0xf72, 130], [0xf74, 132], [0x327, 202], [0x1dce, 214], [0xf39, 216],
  [0x302a, 218], [0x316, 220], [0x59a, 222], [0x302b, 228], [0x301, 230], [0x315, 232], [0x35c, 233],
  [0x35d, 234], [0x345, 240]];

async function main() {
  const py = execFileSync('python3', ['-c',
    'import unicodedata as u, json, sys\n' +
    'print(json.dumps({"version": u.unidata_version, "marks": [[c, u.combining(chr(c))] for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and u.combining(chr(c))]}))']);
  const { version, marks } = JSON.parse(py.toString());
  const tok = Tokenizer.fromFile(TOKENIZER);
  const lone = await tok.encodeBatch(marks.map(([c]) => String.fromCodePoint(c)), { addSpecialTokens: false });
  const kept = lone.map((e) => e.getIds().length > 0);
  const texts = [];
  const meta = [];
  marks.forEach(([x, cx], i) => {
    for (const [r, cr] of kept[i] ? REMOVED : KEPT) {
      if (r === x) continue;
      const X = String.fromCodePoint(x);
      const R = String.fromCodePoint(r);
      // The kept one of the pair moves iff the classes are out of order; its token's end
      // offset (in chars) tells: 2 = it sits in slot 1, 3 = in slot 2.
      texts.push('a' + X + R, 'a' + R + X);
      meta.push([i, cx > cr], [i, cx < cr]);
    }
  });
  const encs = await tok.encodeBatch(texts, { addSpecialTokens: false });
  const moved = new Array(marks.length).fill(false);
  const expected = new Array(marks.length).fill(false);
  encs.forEach((e, k) => {
    const [i, wouldMove] = meta[k];
    const offs = e.getOffsets();
    const end = offs[offs.length - 1][1];
    const xFirst = k % 2 === 0;
    // Kept X: X in slot 1 ends at 2; moved to slot 2 ends at 3 (and the reverse for "aRX").
    // Removed X: the kept reference R decides the same way from the other side.
    const inSlot2 = end === 3;
    const didMove = kept[i] ? (xFirst ? inSlot2 : !inSlot2) : (xFirst ? !inSlot2 : inSlot2);
    if (didMove) moved[i] = true;
    if (wouldMove) expected[i] = true;
  });
  const starters = [];
  const surprises = [];
  marks.forEach(([x], i) => {
    if (expected[i] && !moved[i]) starters.push(x);
    else if (!expected[i] && moved[i]) surprises.push(x);
  });
  const out = {
    generated_by: 'tools/tokenizer/probe-oracle-combining-classes.js',
    oracle: `npm tokenizers ${require('tokenizers/package.json').version}`,
    python_unicodedata: version,
    note: 'Code points with a non-zero canonical combining class in Python unicodedata that the oracle never reorders (class 0 in its older tables).',
    starters: starters.map((c) => c.toString(16).toUpperCase()),
  };
  if (surprises.length) {
    console.error('marks that moved against their Python class:', surprises.map((c) => c.toString(16)));
    process.exitCode = 1;
  }
  const file = path.join(ROOT, 'tools', 'tokenizer', 'oracle-combining-class-starters.json');
  fs.writeFileSync(file, JSON.stringify(out, null, 1) + '\n');
  console.log(`${file}: ${starters.length} of ${marks.length} marks are starters for the oracle`);
}

main();
