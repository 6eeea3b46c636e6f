#!/usr/bin/env python3
"""Generate native/tokenizer/unicode_tables.inc from the oracle measurements in
shared/data/distilbert-base-uncased/golden/unicode_behavior.json.

Usage: python3 tools/tokenizer/gen-unicode-tables.py [unicode_behavior.json] [output.inc]
Standard library only.

The oracle data (Hugging Face tokenizers 0.23.2, fed one code point at a time) is the
source of truth for the default BERT-uncased pipeline (clean_text + chinese chars +
strip_accents + lowercase). It does not say which removed chars are removed by clean_text
and which by strip_accents, nor what lowercase-only / strip-only produce; for those
non-default configurations this script falls back to Python's unicodedata (whose Unicode
version may differ from the Rust crates' for recently assigned chars). That split and the
two extra maps only matter for vocabularies that set lowercase != strip_accents.

Hangul syllables (U+AC00..U+D7A3) are omitted from the maps: their NFD is algorithmic and
the C++ side decomposes them; this script checks that the oracle agrees.
"""
import json
import os
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_IN = os.path.join(ROOT, "..", "shared", "data", "distilbert-base-uncased", "golden",
                          "unicode_behavior.json")
if not os.path.exists(DEFAULT_IN):
    DEFAULT_IN = "/work/shared/data/distilbert-base-uncased/golden/unicode_behavior.json"
DEFAULT_OUT = os.path.join(ROOT, "native", "tokenizer", "unicode_tables.inc")

S_BASE, L_BASE, V_BASE, T_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7
L_COUNT, V_COUNT, T_COUNT = 19, 21, 28
N_COUNT = V_COUNT * T_COUNT
S_COUNT = L_COUNT * N_COUNT


def hangul_nfd(cp):
    s = cp - S_BASE
    out = chr(L_BASE + s // N_COUNT) + chr(V_BASE + (s % N_COUNT) // T_COUNT)
    if s % T_COUNT:
        out += chr(T_BASE + s % T_COUNT)
    return out


def is_hangul(cp):
    return S_BASE <= cp < S_BASE + S_COUNT


def parse_ranges(items):
    out = []
    for r in items:
        a, _, b = r.partition("-")
        lo = int(a, 16)
        hi = int(b, 16) if b else lo
        out.append((lo, hi))
    return sorted(out)


def expand(ranges):
    s = set()
    for lo, hi in ranges:
        s.update(range(lo, hi + 1))
    return s


def compact(cps):
    out = []
    for cp in sorted(cps):
        if out and out[-1][1] + 1 == cp:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def is_mark_only(ch):
    """True when strip_accents (NFD, then drop Mn) deletes ch entirely."""
    if unicodedata.category(ch) == "Mn":
        return True
    nfd = unicodedata.normalize("NFD", ch)
    return nfd != ch and all(unicodedata.category(c) == "Mn" for c in nfd)


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


def c_string(pool):
    # Emit as a C string literal split into short lines, escaping every non-ASCII byte.
    data = pool.encode("utf-8")
    lines, cur = [], ""
    for b in data:
        if 0x20 <= b < 0x7F and chr(b) not in '"\\?':
            piece = chr(b)
        else:
            piece = "\\%03o" % b
        cur += piece
        if len(cur) >= 96:
            lines.append('"%s"' % cur)
            cur = ""
    if cur or not lines:
        lines.append('"%s"' % cur)
    return "\n    ".join(lines)


def emit_ranges(name, ranges, comment):
    rows = ["{0x%X, 0x%X}" % (lo, hi) for lo, hi in ranges]
    body = ",\n    ".join(", ".join(rows[i:i + 6]) for i in range(0, len(rows), 6))
    return ("// %s\ninline constexpr CodepointRange %s[] = {\n    %s,\n};\n" %
            (comment, name, body))


def emit_map(name, mapping, comment):
    """mapping: dict cp -> str. Sorted (cp, pool offset) entries plus a sentinel entry whose
    offset is the pool size, so entry i's replacement is pool[off_i, off_{i+1})."""
    items = sorted(mapping.items())
    pool = ""
    rows = []
    for cp, s in items:
        rows.append("{0x%X, %d}" % (cp, len(pool.encode("utf-8"))))
        pool += s
    rows.append("{0x110000, %d}" % len(pool.encode("utf-8")))
    body = ",\n    ".join(", ".join(rows[i:i + 6]) for i in range(0, len(rows), 6))
    return ("// %s (%d entries + sentinel)\ninline constexpr MapEntry %s[] = {\n    %s,\n};\n"
            "inline constexpr char %sPool[] =\n    %s;\n" %
            (comment, len(items), name, body, name, c_string(pool)))


CCC_STARTERS = os.path.join(HERE, "oracle-combining-class-starters.json")


def emit_classes(name, classes, comment):
    """classes: dict cp -> combining class; emitted as {lo, hi, class} runs."""
    runs = []
    for cp in sorted(classes):
        c = classes[cp]
        if runs and runs[-1][1] + 1 == cp and runs[-1][2] == c:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp, c])
    rows = ["{0x%X, 0x%X, %d}" % tuple(r) for r in runs]
    body = ",\n    ".join(", ".join(rows[i:i + 5]) for i in range(0, len(rows), 5))
    return ("// %s (%d runs)\ninline constexpr ClassRange %s[] = {\n    %s,\n};\n" %
            (comment, len(runs), name, body))


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_IN
    dst = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT
    with open(src, encoding="utf-8") as f:
        data = json.load(f)

    removed = expand(parse_ranges(data["normalizer_removed"]))
    to_space = parse_ranges(data["normalizer_to_space"])
    cjk = parse_ranges(data["normalizer_cjk_padded"])
    punct = parse_ranges(data["pretokenizer_punctuation"])
    ws = parse_ranges(data["pretokenizer_whitespace"])
    cjk_nfd = {int(k, 16): v for k, v in data["cjk_nfd_changed"].items()}
    full_map = {int(k, 16): v for k, v in data["normalizer_mapping"].items()}

    # Split the oracle's removed set into strip_accents removals and clean_text removals.
    # A mark the oracle removes counts as an accent even where Python's newer Unicode data
    # re-categorised it (U+1734 became Mc in Unicode 14).
    accent_removed = {cp for cp in removed
                      if is_mark_only(chr(cp)) or unicodedata.category(chr(cp))[0] == "M"}
    clean_removed = removed - accent_removed
    problems = []
    for cp in clean_removed:
        cat = unicodedata.category(chr(cp))
        if cp not in (0, 0xFFFD) and cat[0] != "C":
            problems.append("U+%04X (%s) removed but neither a mark nor a control" % (cp, cat))

    # Hangul: check the oracle matches the algorithmic NFD, then leave it out of the tables.
    for cp in range(S_BASE, S_BASE + S_COUNT):
        if full_map.get(cp) != hangul_nfd(cp):
            problems.append("Hangul U+%04X: oracle %r != algorithmic NFD" % (cp, full_map.get(cp)))
    lower_strip = {cp: s for cp, s in full_map.items() if not is_hangul(cp)}
    # Compatibility ideographs are CJK-padded in the default pipeline, so the oracle lists
    # their NFD separately; the same per-char map serves both paths.
    for cp, s in cjk_nfd.items():
        if cp in lower_strip and lower_strip[cp] != s:
            problems.append("U+%04X in both cjk_nfd_changed and normalizer_mapping" % cp)
        lower_strip[cp] = s
    # Map outputs must be fixed points (the C++ side applies the map once per input char).
    for cp, s in lower_strip.items():
        for ch in s:
            o = ord(ch)
            if o in lower_strip or o in removed:
                problems.append("U+%04X maps to U+%04X which is not a fixed point" % (cp, o))

    lower_only = {}
    strip_only = {}
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF or is_hangul(cp):
            continue
        ch = chr(cp)
        lo = ch.lower()
        if lo != ch:
            lower_only[cp] = lo
        if cp in lower_strip and cp not in accent_removed:
            st = strip_accents(ch)
            if st != ch and st:
                strip_only[cp] = st

    # Canonical reordering (strip_accents runs NFD over the whole text): the oracle's combining
    # classes are Python's minus the marks its older tables lack (measured by
    # tools/tokenizer/probe-oracle-combining-classes.js). kDecomp lists, for every char whose NFD holds a
    # non-starter, that NFD; normalizer.cc replays the oracle's stable sort on those runs.
    with open(CCC_STARTERS, encoding="utf-8") as f:
        oracle_starters = {int(x, 16) for x in json.load(f)["starters"]}
    ccc = {}
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = unicodedata.combining(chr(cp))
        if c and cp not in oracle_starters:
            ccc[cp] = c
    decomp = {}
    skipped = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF or is_hangul(cp):
            continue
        nfd = unicodedata.normalize("NFD", chr(cp))
        if not any(ord(ch) in ccc for ch in nfd):
            continue
        # The decomposition must reproduce the oracle's single-char result.
        kept = "".join(ch for ch in nfd if ord(ch) not in removed)
        want = lower_strip.get(cp, "" if cp in removed else chr(cp))
        got = "".join(lower_strip.get(ord(ch), ch) for ch in kept)
        if got != want:
            skipped.append(cp)
            continue
        decomp[cp] = nfd
    if skipped:
        print("note: %d decomposition(s) disagree with the oracle and are left atomic: %s" %
              (len(skipped), " ".join("U+%04X" % c for c in skipped[:10])), file=sys.stderr)

    for p in problems[:20]:
        print("warning:", p, file=sys.stderr)
    if problems:
        print("%d problem(s) found; refusing to write" % len(problems), file=sys.stderr)
        return 1

    out = []
    out.append("// GENERATED by tools/tokenizer/gen-unicode-tables.py — do not edit.\n")
    out.append("// Source: shared/data/distilbert-base-uncased/golden/unicode_behavior.json (oracle:\n"
               "// Hugging Face tokenizers 0.23.2). kLowerOnlyMap, kStripOnlyMap and the split of removed\n"
               "// chars into kCleanRemoved / kAccentRemoved come from Python %s unicodedata %s.\n"
               "// Hangul syllables are decomposed algorithmically in normalizer.cc.\n"
               "// kCombiningClass / kDecomp: Python unicodedata less tools/tokenizer/oracle-combining-class-starters.json.\n"
               "// Expects CodepointRange {uint32_t lo, hi;}, ClassRange {uint32_t lo, hi; uint8_t ccc;}\n"
               "// and MapEntry {uint32_t cp, offset;}.\n\n" %
               (sys.version.split()[0], unicodedata.unidata_version))
    out.append(emit_ranges("kCleanRemoved", compact(clean_removed),
                           "clean_text drops these (NUL, U+FFFD, control/format/private-use)"))
    out.append(emit_ranges("kAccentRemoved", compact(accent_removed),
                           "strip_accents drops these (nonspacing marks, alone or after NFD)"))
    out.append(emit_ranges("kToSpace", to_space, "clean_text maps these to U+0020"))
    out.append(emit_ranges("kCjk", cjk, "handle_chinese_chars pads these with spaces "
                           "(Rust ranges: 0x2B920 start, not 0x2B820)"))
    out.append(emit_ranges("kPunctuation", punct, "BertPreTokenizer isolates these"))
    out.append(emit_ranges("kWhitespace", ws, "BertPreTokenizer splits on these"))
    out.append(emit_map("kLowerStripMap", lower_strip,
                        "lowercase + strip_accents: NFD, drop Mn, per-char lowercase (oracle)"))
    out.append(emit_map("kLowerOnlyMap", lower_only, "lowercase only (Python str.lower per char)"))
    out.append(emit_map("kStripOnlyMap", strip_only,
                        "strip_accents only: NFD then drop Mn (Python unicodedata)"))
    out.append(emit_classes("kCombiningClass", ccc,
                            "canonical combining class of the oracle's non-starters"))
    out.append(emit_map("kDecomp", decomp,
                        "NFD of every char whose NFD holds a non-starter (canonical reordering)"))
    text = "\n".join(out)
    with open(dst, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote %s (%d bytes): removed %d clean + %d accent, maps %d/%d/%d" %
          (dst, len(text.encode()), len(clean_removed), len(accent_removed), len(lower_strip),
           len(lower_only), len(strip_only)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
