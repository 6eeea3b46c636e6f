#include "tokenizer/normalizer.h"

#include <algorithm>
#include <cstring>

namespace dbn {
namespace {

struct CodepointRange {
  uint32_t lo;
  uint32_t hi;
};
struct MapEntry {
  uint32_t cp;
  uint32_t offset;
};
struct ClassRange {
  uint32_t lo;
  uint32_t hi;
  uint8_t ccc;
};

#include "tokenizer/unicode_tables.inc"

enum : uint8_t {
  kFlagCleanRemoved = 1,
  kFlagAccentRemoved = 2,
  kFlagToSpace = 4,
  kFlagCjk = 8,
  kFlagPunct = 16,
  kFlagWhitespace = 32,
  kFlagMapped = 64,  // in at least one of the three maps, or a Hangul syllable
  kFlagReorder = 128,  // its NFD holds a non-starter: may take part in canonical reordering
};

constexpr uint32_t kHangulBase = 0xAC00;
constexpr uint32_t kHangulCount = 11172;
constexpr uint32_t kReplacementChar = 0xFFFD;

template <size_t N>
bool InRanges(const CodepointRange (&ranges)[N], uint32_t cp) {
  const CodepointRange* end = ranges + N;
  const CodepointRange* it = std::upper_bound(
      ranges, end, cp, [](uint32_t v, const CodepointRange& r) { return v < r.lo; });
  return it != ranges && cp <= (it - 1)->hi;
}

// Returns the entry for cp, or nullptr. The last entry of every map is a sentinel.
template <size_t N>
const MapEntry* FindMapped(const MapEntry (&map)[N], uint32_t cp) {
  const MapEntry* end = map + N - 1;
  const MapEntry* it = std::lower_bound(
      map, end, cp, [](const MapEntry& e, uint32_t v) { return e.cp < v; });
  return (it != end && it->cp == cp) ? it : nullptr;
}

uint8_t ComputeFlags(uint32_t cp) {
  uint8_t f = 0;
  if (InRanges(kCleanRemoved, cp)) f |= kFlagCleanRemoved;
  if (InRanges(kAccentRemoved, cp)) f |= kFlagAccentRemoved;
  if (InRanges(kToSpace, cp)) f |= kFlagToSpace;
  if (InRanges(kCjk, cp)) f |= kFlagCjk;
  if (InRanges(kPunctuation, cp)) f |= kFlagPunct;
  if (InRanges(kWhitespace, cp)) f |= kFlagWhitespace;
  if (FindMapped(kLowerStripMap, cp) || FindMapped(kLowerOnlyMap, cp) ||
      FindMapped(kStripOnlyMap, cp) || (cp - kHangulBase) < kHangulCount) {
    f |= kFlagMapped;
  }
  if (FindMapped(kDecomp, cp)) f |= kFlagReorder;
  return f;
}

uint8_t CombiningClass(uint32_t cp) {
  const ClassRange* end = std::end(kCombiningClass);
  const ClassRange* it = std::upper_bound(
      std::begin(kCombiningClass), end, cp, [](uint32_t v, const ClassRange& r) { return v < r.lo; });
  return (it != std::begin(kCombiningClass) && cp <= (it - 1)->hi) ? (it - 1)->ccc : 0;
}

// Flags for the BMP, built once (thread-safe static init); astral chars use binary search.
struct BmpFlags {
  uint8_t flags[0x10000];
  BmpFlags() {
    for (uint32_t cp = 0; cp < 0x10000; ++cp) flags[cp] = ComputeFlags(cp);
  }
};

const BmpFlags& GetBmpFlags() {
  static const BmpFlags* table = new BmpFlags();  // never destroyed: safe at exit
  return *table;
}

inline uint8_t Flags(uint32_t cp) {
  return cp < 0x10000 ? GetBmpFlags().flags[cp] : ComputeFlags(cp);
}

inline void PushByte(char c, uint32_t b, uint32_t e, NormalizedText* out) {
  out->text.push_back(c);
  out->orig_begin.push_back(b);
  out->orig_end.push_back(e);
}

}  // namespace

uint32_t DecodeUtf8(const char* s, size_t len, size_t* pos) {
  const auto* p = reinterpret_cast<const unsigned char*>(s);
  size_t i = *pos;
  unsigned char c = p[i];
  if (c < 0x80) {
    *pos = i + 1;
    return c;
  }
  uint32_t cp;
  size_t n;
  uint32_t min;
  if (c >= 0xC2 && c <= 0xDF) {
    cp = c & 0x1F, n = 1, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    cp = c & 0x0F, n = 2, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    cp = c & 0x07, n = 3, min = 0x10000;
  } else {
    *pos = i + 1;
    return kReplacementChar;
  }
  if (len - i <= n) {  // truncated sequence
    *pos = i + 1;
    return kReplacementChar;
  }
  for (size_t k = 1; k <= n; ++k) {
    unsigned char cc = p[i + k];
    if ((cc & 0xC0) != 0x80) {
      *pos = i + 1;
      return kReplacementChar;
    }
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    *pos = i + 1;
    return kReplacementChar;
  }
  *pos = i + n + 1;
  return cp;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

size_t CountUtf8Chars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string SanitizeUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) {
    size_t start = pos;
    uint32_t cp = DecodeUtf8(s.data(), s.size(), &pos);
    if (cp == kReplacementChar && pos - start == 1) {
      AppendUtf8(cp, &out);
    } else {
      out.append(s.data() + start, pos - start);
    }
  }
  return out;
}

namespace {

// Unicode \w approximation for single_word: anything that is neither whitespace nor
// punctuation for the BERT pre-tokenizer.
bool IsWordChar(uint32_t cp) { return !IsBertWhitespace(cp) && !IsBertPunctuation(cp); }

uint32_t LastChar(std::string_view s) {
  size_t i = s.size();
  while (i > 0 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i;
  if (i > 0) --i;
  size_t pos = i;
  return DecodeUtf8(s.data(), s.size(), &pos);
}

}  // namespace

void SplitOnAddedTokens(std::string_view text, const AddedTokenMatcher& matcher,
                        std::vector<TextSpan>* out) {
  size_t start_offset = 0;
  size_t from = 0;
  size_t mb = 0;
  while (const AddedToken* t = matcher.Next(text, from, &mb)) {
    size_t start = mb;
    size_t stop = mb + t->content.size();
    if (t->single_word) {
      bool start_ok = start == 0 || !IsWordChar(LastChar(text.substr(0, start)));
      size_t p = stop;
      bool stop_ok = stop == text.size() || !IsWordChar(DecodeUtf8(text.data(), text.size(), &p));
      if (!start_ok || !stop_ok) {
        from = mb + 1;
        continue;
      }
    }
    if (t->lstrip) {
      while (start > start_offset) {
        std::string_view before = text.substr(start_offset, start - start_offset);
        uint32_t c = LastChar(before);
        if (!IsBertWhitespace(c)) break;
        size_t i = start - 1;
        while (i > start_offset && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
        start = i;
      }
    }
    if (t->rstrip) {
      while (stop < text.size()) {
        size_t p = stop;
        uint32_t c = DecodeUtf8(text.data(), text.size(), &p);
        if (!IsBertWhitespace(c)) break;
        stop = p;
      }
    }
    if (start_offset < start) out->push_back({nullptr, start_offset, start});
    out->push_back({t, start, stop});
    start_offset = stop;
    from = stop;
  }
  if (start_offset < text.size()) out->push_back({nullptr, start_offset, text.size()});
}

bool IsBertWhitespace(uint32_t cp) { return (Flags(cp) & kFlagWhitespace) != 0; }
bool IsBertPunctuation(uint32_t cp) { return (Flags(cp) & kFlagPunct) != 0; }

Normalizer::Normalizer(const NormalizerOptions& options) : options_(options) {
  for (int c = 0; c < 128; ++c) {
    int out = c;
    uint8_t f = ComputeFlags(static_cast<uint32_t>(c));
    if (options_.clean_text && (f & kFlagCleanRemoved)) {
      out = -1;
    } else if (options_.clean_text && (f & kFlagToSpace)) {
      out = ' ';
    } else if (options_.lowercase && c >= 'A' && c <= 'Z') {
      out = c + ('a' - 'A');
    }
    ascii_out_[c] = static_cast<int16_t>(out);
  }
}

void Normalizer::AppendMapped(uint32_t cp, NormalizedText* out) const {
  // Called only for flagged chars; falls back to identity when the active map has no entry.
  if (options_.strip_accents && cp - kHangulBase < kHangulCount) {
    // Unicode 3.12 algorithmic decomposition (the generator checked the oracle agrees).
    const uint32_t s = cp - kHangulBase;
    AppendUtf8(0x1100 + s / 588, &out->text);
    AppendUtf8(0x1161 + (s % 588) / 28, &out->text);
    if (s % 28) AppendUtf8(0x11A7 + s % 28, &out->text);
    return;
  }
  const MapEntry* e = nullptr;
  const char* pool = nullptr;
  if (options_.lowercase && options_.strip_accents) {
    e = FindMapped(kLowerStripMap, cp), pool = kLowerStripMapPool;
  } else if (options_.lowercase) {
    e = FindMapped(kLowerOnlyMap, cp), pool = kLowerOnlyMapPool;
  } else if (options_.strip_accents) {
    e = FindMapped(kStripOnlyMap, cp), pool = kStripOnlyMapPool;
  }
  if (e != nullptr) {
    out->text.append(pool + e->offset, e[1].offset - e->offset);
  } else {
    AppendUtf8(cp, &out->text);
  }
}

void Normalizer::Normalize(std::string_view input, uint32_t base, NormalizedText* out) const {
  const char* s = input.data();
  const size_t len = input.size();
  out->text.reserve(out->text.size() + len + 8);
  out->orig_begin.reserve(out->orig_begin.size() + len + 8);
  out->orig_end.reserve(out->orig_end.size() + len + 8);
  const bool no_mapping = !options_.lowercase && !options_.strip_accents;
  const bool strip = options_.strip_accents;
  // Canonical reordering (strip_accents only). Chars are mapped one at a time; meanwhile we
  // track the current run (from the last char whose NFD starts with a starter) and whether
  // its non-starters are out of class order. Only then is the run redone by Reflow(), which
  // replays the oracle's sort: rare in real text, so the common path stays per-char.
  size_t run_src = 0;
  size_t run_out = out->text.size();
  uint8_t run_max = 0;
  bool disorder = false;
  auto starter = [&](size_t at) {
    if (disorder) {
      Reflow(input, run_src, at, base, run_out, out);
      disorder = false;
    }
    run_src = at;
    run_out = out->text.size();
    run_max = 0;
  };
  size_t pos = 0;
  while (pos < len) {
    const unsigned char c = static_cast<unsigned char>(s[pos]);
    if (c < 0x80) {
      const int16_t o = ascii_out_[c];
      if (o >= 0) {
        if (strip) starter(pos);
        PushByte(static_cast<char>(o), base + pos, base + pos + 1, out);
      }
      ++pos;
      continue;
    }
    const size_t start = pos;
    const uint32_t cp = DecodeUtf8(s, len, &pos);
    const uint32_t b = base + static_cast<uint32_t>(start);
    const uint32_t e = base + static_cast<uint32_t>(pos);
    const uint8_t f = Flags(cp);
    if (options_.clean_text && (f & kFlagCleanRemoved)) continue;  // gone before NFD runs
    if (strip) {
      if ((f & kFlagReorder) && !(options_.clean_text && (f & kFlagToSpace)) &&
          !(options_.handle_chinese_chars && (f & kFlagCjk))) {
        const MapEntry* d = FindMapped(kDecomp, cp);
        const char* p = kDecompPool + d->offset;
        const char* pend = kDecompPool + d[1].offset;
        bool head = true;
        while (p < pend) {
          size_t i = 0;
          const uint32_t item = DecodeUtf8(p, static_cast<size_t>(pend - p), &i);
          p += i;
          const uint8_t ccc = CombiningClass(item);
          if (ccc == 0) {
            if (head) {
              starter(start);
            } else {
              run_max = 0;
            }
          } else {
            if (ccc < run_max) disorder = true;
            if (ccc > run_max) run_max = ccc;
          }
          head = false;
        }
      } else {
        starter(start);
      }
    }
    if (strip && (f & kFlagAccentRemoved)) continue;
    if (options_.clean_text && (f & kFlagToSpace)) {
      PushByte(' ', b, e, out);
      continue;
    }
    const bool cjk = options_.handle_chinese_chars && (f & kFlagCjk);
    if (cjk) PushByte(' ', b, e, out);
    if ((f & kFlagMapped) && !no_mapping) {
      AppendMapped(cp, out);
    } else if (cp == kReplacementChar && pos - start == 1) {
      AppendUtf8(cp, &out->text);  // an invalid byte: emit a valid U+FFFD instead
    } else {
      out->text.append(s + start, pos - start);
    }
    out->orig_begin.resize(out->text.size(), b);
    out->orig_end.resize(out->text.size(), e);
    if (cjk) PushByte(' ', b, e, out);
  }
  if (disorder) Reflow(input, run_src, len, base, run_out, out);
}

// Redoes input[src_begin, src_end) (one run, starting at a starter or at the text start) the
// way HF does it: NFD of every char, stable sort of each non-starter block by combining class,
// then alignments handed out by position (a char's first NFD item takes the span of the next
// unconsumed input char, later items the span of the last consumed one), then drop Mn, then
// lowercase per char.
void Normalizer::Reflow(std::string_view input, size_t src_begin, size_t src_end, uint32_t base,
                        size_t out_begin, NormalizedText* out) const {
  struct Item {
    uint32_t cp;
    uint8_t ccc;
    bool first;  // first NFD item of its input char
  };
  std::vector<Item> items;
  std::vector<std::pair<uint32_t, uint32_t>> spans;  // per input char, in order
  const char* s = input.data();
  size_t pos = src_begin;
  while (pos < src_end) {
    const size_t start = pos;
    const uint32_t cp = DecodeUtf8(s, src_end, &pos);
    const uint8_t f = Flags(cp);
    if (options_.clean_text && (f & kFlagCleanRemoved)) continue;
    const std::pair<uint32_t, uint32_t> span(base + static_cast<uint32_t>(start),
                                             base + static_cast<uint32_t>(pos));
    if (options_.clean_text && (f & kFlagToSpace)) {
      items.push_back({' ', 0, true});
      spans.push_back(span);
    } else if (options_.handle_chinese_chars && (f & kFlagCjk)) {
      // Padding happens before NFD: three chars sharing one span.
      for (uint32_t c : {uint32_t{' '}, cp, uint32_t{' '}}) {
        items.push_back({c, 0, true});
        spans.push_back(span);
      }
    } else if (f & kFlagReorder) {
      const MapEntry* d = FindMapped(kDecomp, cp);
      const char* p = kDecompPool + d->offset;
      const char* pend = kDecompPool + d[1].offset;
      bool first = true;
      while (p < pend) {
        size_t i = 0;
        const uint32_t item = DecodeUtf8(p, static_cast<size_t>(pend - p), &i);
        p += i;
        items.push_back({item, CombiningClass(item), first});
        first = false;
      }
      spans.push_back(span);
    } else {
      // NFD without non-starters: its items never move, so the char stands for them.
      items.push_back({cp, 0, true});
      spans.push_back(span);
    }
  }
  // Stable sort of every block that follows a starter (the starter itself stays in front).
  size_t block = 0;
  for (size_t i = 0; i <= items.size(); ++i) {
    if (i == items.size() || items[i].ccc == 0) {
      std::stable_sort(items.begin() + block, items.begin() + i,
                       [](const Item& a, const Item& b) { return a.ccc < b.ccc; });
      block = i;
    }
  }
  out->text.resize(out_begin);
  out->orig_begin.resize(out_begin);
  out->orig_end.resize(out_begin);
  size_t consumed = 0;
  std::pair<uint32_t, uint32_t> align(0, 0);
  for (const Item& it : items) {
    if (it.first && consumed < spans.size()) align = spans[consumed++];
    const uint8_t f = Flags(it.cp);
    if (f & kFlagAccentRemoved) continue;
    if (it.cp == ' ') {
      PushByte(' ', align.first, align.second, out);
      continue;
    }
    if ((f & kFlagMapped) || it.cp == kReplacementChar) {
      AppendMapped(it.cp, out);
    } else {
      AppendUtf8(it.cp, &out->text);
    }
    out->orig_begin.resize(out->text.size(), align.first);
    out->orig_end.resize(out->text.size(), align.second);
  }
}

}  // namespace dbn
