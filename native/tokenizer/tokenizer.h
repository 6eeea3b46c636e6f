// WordPiece tokenizer with Hugging Face `tokenizers` semantics for BERT-family vocabularies
// (BertNormalizer + BertPreTokenizer + WordPiece + TemplateProcessing + WordPiece decoder).
// No libtorch, no N-API: the core, the addon, the bench and the fuzzers all link it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dbn {

struct TokenizerOptions {
  bool lowercase = true;
  // Unset in tokenizer.json (null) means "follow lowercase", as in HF.
  bool strip_accents = true;
  bool clean_text = true;
  bool handle_chinese_chars = true;
  int max_input_chars_per_word = 100;
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  bool decoder_cleanup = true;
};

// Longest sequence any length option (max_length, stride, padding length, multiple_of) may
// name; larger values are rejected with kInvalidArgument before anything is allocated.
inline constexpr size_t kMaxSequenceLength = 1 << 16;

enum class TruncationStrategy { kLongestFirst, kOnlyFirst, kOnlySecond };
enum class Side { kRight, kLeft };

// HF TruncationParams. max_length counts the template's special tokens too.
struct TruncationParams {
  size_t max_length = 512;
  size_t stride = 0;  // tokens repeated between consecutive overflowing windows
  TruncationStrategy strategy = TruncationStrategy::kLongestFirst;
  Side direction = Side::kRight;  // which end is cut off
};

// HF PaddingParams. Pad tokens: attention 0, special 1, word/sequence id -1, offsets (0, 0).
struct PaddingParams {
  bool to_longest = true;  // BatchLongest; false: Fixed(length)
  size_t length = 0;
  size_t multiple_of = 0;  // 0: none
  Side direction = Side::kRight;
  int32_t pad_id = 0;
  int32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";
};

struct EncodeOptions {
  bool add_special_tokens = true;
  // false: leave Encoding::tokens empty (callers that map ids themselves skip a string per token).
  bool with_tokens = true;
  std::optional<TruncationParams> truncation;
  std::optional<PaddingParams> padding;
};

struct BatchInput {
  std::string_view text;
  std::string_view pair;
  bool has_pair = false;
};

// One encoded sequence (or pair). Every vector has the same length.
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
  std::vector<int32_t> type_ids;
  std::vector<uint8_t> special_tokens_mask;
  std::vector<uint8_t> attention_mask;
  std::vector<int32_t> word_ids;      // -1 for special tokens
  std::vector<int32_t> sequence_ids;  // -1 for special tokens, else 0 or 1
  // [begin, end) in UTF-8 bytes of the input the token came from (text or pair, see
  // sequence_ids); special tokens inserted by the template get (0, 0).
  std::vector<std::pair<uint32_t, uint32_t>> offsets;
  // With truncation: the other windows, in HF's order (each one post-processed and padded
  // like this encoding; their own `overflowing` is empty).
  std::vector<Encoding> overflowing;

  size_t size() const { return ids.size(); }
};

class Tokenizer {
 public:
  // Reads tokenizer.json, or vocab.txt (+ tokenizer_config.json) when given a directory
  // without tokenizer.json. Throws dbn::Error(kModelLoadFailed) with the path on failure.
  static std::unique_ptr<Tokenizer> FromDirectory(const std::string& dir);
  // A directory (as FromDirectory), a tokenizer.json file, or a vocab.txt file (with the
  // tokenizer_config.json next to it, when there is one).
  static std::unique_ptr<Tokenizer> FromPath(const std::string& path);
  static std::unique_ptr<Tokenizer> FromTokenizerJson(const std::string& path);
  static std::unique_ptr<Tokenizer> FromVocabTxt(const std::string& vocab_path,
                                                 const TokenizerOptions& options);

  // Text is UTF-8; invalid UTF-8 sequences are replaced by U+FFFD (which clean_text drops).
  // Thread-safe (const, no shared mutable state). Throws kInvalidArgument for truncation
  // settings HF rejects (stride >= the room left for a sequence, only_second without a pair,
  // a sequence too short to remove enough tokens from, max_length below the special tokens).
  Encoding Encode(std::string_view text, const EncodeOptions& options) const;
  Encoding EncodePair(std::string_view text, std::string_view pair,
                      const EncodeOptions& options) const;
  Encoding Encode(std::string_view text, bool add_special_tokens = true) const;
  Encoding EncodePair(std::string_view text, std::string_view pair,
                      bool add_special_tokens = true) const;
  // Encodes every input on up to `threads` threads (<= 1: the calling thread only); padding
  // with to_longest pads to the longest encoding of the batch. Results in input order.
  std::vector<Encoding> EncodeBatch(const std::vector<BatchInput>& inputs,
                                    const EncodeOptions& options, int threads) const;
  // Special tokens a template adds around one text (pair = false) or a pair.
  size_t NumSpecialTokensToAdd(bool pair) const;
  std::string Decode(const std::vector<int32_t>& ids, bool skip_special_tokens = true) const;
  // Decode(ids with ids[position] = c) for every c in candidates (fill-mask's `sequence`),
  // decoding the text around the position once instead of once per candidate. Throws
  // kInvalidArgument when position is outside ids.
  std::vector<std::string> DecodeFilled(const std::vector<int32_t>& ids, size_t position,
                                        const std::vector<int32_t>& candidates,
                                        bool skip_special_tokens) const;

  int32_t TokenToId(std::string_view token) const;  // -1 when absent
  const std::string& IdToToken(int32_t id) const;   // throws kInvalidArgument when out of range
  bool IsSpecial(int32_t id) const;
  int32_t vocab_size() const;
  int32_t cls_id() const;
  int32_t sep_id() const;
  int32_t pad_id() const;
  int32_t unk_id() const;
  int32_t mask_id() const;
  const std::string& mask_token() const;

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

 private:
  struct Impl;
  static std::unique_ptr<Tokenizer> FromDirectoryVocab(const std::string& dir,
                                                       const std::string& vocab_path);
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dbn
