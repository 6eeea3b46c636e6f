// Everything that happens to text before the WordPiece model: added-token splitting,
// BertNormalizer and BertPreTokenizer, driven by the generated tables in unicode_tables.inc. Normalization is per code point (the oracle's behaviour except for
// canonical reordering among spacing combining marks, see golden/README.md), so every
// normalized byte can carry the original span of the char it came from.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dbn {

struct NormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};

// Normalized UTF-8 text; for each byte, the [begin, end) byte span of the original char
// that produced it (a char expanded into several chars gives all of them its span).
struct NormalizedText {
  std::string text;
  std::vector<uint32_t> orig_begin;
  std::vector<uint32_t> orig_end;

  void Clear() {
    text.clear();
    orig_begin.clear();
    orig_end.clear();
  }
};

// Decodes one code point at s[*pos] (pos < len) and advances *pos. Invalid or truncated
// sequences (overlong, surrogate, > U+10FFFF) yield U+FFFD and consume one byte.
uint32_t DecodeUtf8(const char* s, size_t len, size_t* pos);
void AppendUtf8(uint32_t cp, std::string* out);
size_t CountUtf8Chars(std::string_view s);
// Replaces invalid sequences by U+FFFD (the encoding of what DecodeUtf8 reads).
std::string SanitizeUtf8(std::string_view s);

// Pre-tokenizer classes (Rust char::is_whitespace; ASCII punctuation or Unicode P*).
bool IsBertWhitespace(uint32_t cp);
bool IsBertPunctuation(uint32_t cp);

// An added token (HF AddedVocabulary entry). `content` is what is matched: the raw
// content, or its normalized form when `normalized`.
struct AddedToken {
  std::string content;  // as matched: normalized content when `normalized`
  int32_t id = -1;
  bool special = false;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
};

// Added tokens matched leftmost-longest, as aho-corasick's LeftmostLongest does in HF.
class AddedTokenMatcher {
 public:
  void Add(const AddedToken* token) {
    if (token->content.empty()) return;
    tokens_.push_back(token);
    first_byte_[static_cast<unsigned char>(token->content[0])] = true;
    std::stable_sort(tokens_.begin(), tokens_.end(), [](const AddedToken* a, const AddedToken* b) {
      return a->content.size() > b->content.size();
    });
  }
  bool empty() const { return tokens_.empty(); }

  // Finds the next match at or after `from`; returns nullptr when none.
  const AddedToken* Next(std::string_view text, size_t from, size_t* match_begin) const {
    for (size_t i = from; i < text.size(); ++i) {
      if (!first_byte_[static_cast<unsigned char>(text[i])]) continue;
      for (const AddedToken* t : tokens_) {
        if (text.compare(i, t->content.size(), t->content) == 0) {
          *match_begin = i;
          return t;
        }
      }
    }
    return nullptr;
  }

 private:
  std::vector<const AddedToken*> tokens_;  // longest first
  bool first_byte_[256] = {};
};

struct TextSpan {
  const AddedToken* token;  // nullptr: plain text to normalize / pre-tokenize
  size_t begin;
  size_t end;
};

// Splits text on added-token matches, honouring single_word / lstrip / rstrip
// (HF AddedVocabulary::find_matches).
void SplitOnAddedTokens(std::string_view text, const AddedTokenMatcher& matcher,
                        std::vector<TextSpan>* out);

// BertPreTokenizer over text[begin, end): whitespace separates words and is dropped, each
// punctuation char is a word of its own. Calls on_word(word_begin, word_end) in order.
template <typename F>
void ForEachBertWord(std::string_view text, size_t begin, size_t end, F&& on_word) {
  const char* s = text.data();
  size_t word_begin = begin;
  size_t pos = begin;
  while (pos < end) {
    const size_t cstart = pos;
    const unsigned char c = static_cast<unsigned char>(s[pos]);
    uint32_t cp;
    if (c < 0x80) {
      cp = c;
      ++pos;
      // ASCII letters/digits are the common case: no class lookup needed.
      if (static_cast<unsigned>((c | 0x20) - 'a') < 26u || static_cast<unsigned>(c - '0') < 10u) {
        continue;
      }
    } else {
      cp = DecodeUtf8(s, end, &pos);
    }
    if (IsBertWhitespace(cp)) {
      if (word_begin < cstart) on_word(word_begin, cstart);
      word_begin = pos;
    } else if (IsBertPunctuation(cp)) {
      if (word_begin < cstart) on_word(word_begin, cstart);
      on_word(cstart, pos);
      word_begin = pos;
    }
  }
  if (word_begin < end) on_word(word_begin, end);
}

class Normalizer {
 public:
  explicit Normalizer(const NormalizerOptions& options);

  // Appends the normalization of `input` to *out; original spans are input byte offsets
  // plus `base`.
  void Normalize(std::string_view input, uint32_t base, NormalizedText* out) const;
  const NormalizerOptions& options() const { return options_; }

 private:
  void AppendMapped(uint32_t cp, NormalizedText* out) const;
  void Reflow(std::string_view input, size_t src_begin, size_t src_end, uint32_t base,
              size_t out_begin, NormalizedText* out) const;

  NormalizerOptions options_;
  // Per ASCII byte: the output byte, or -1 when dropped.
  int16_t ascii_out_[128];
};

}  // namespace dbn
