// WordPiece tokenizer with Hugging Face `tokenizers` semantics for BERT-family vocabularies
// (BertNormalizer + BertPreTokenizer + WordPiece + TemplateProcessing + WordPiece decoder).
// No libtorch, no N-API: the core, the addon, the bench and the fuzzers all link it.
#pragma once

#include <cstdint>
#include <memory>
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
};

class Tokenizer {
 public:
  // Reads tokenizer.json, or vocab.txt (+ tokenizer_config.json) when given a directory
  // without tokenizer.json. Throws dbn::Error(kModelLoadFailed) with the path on failure.
  static std::unique_ptr<Tokenizer> FromDirectory(const std::string& dir);
  static std::unique_ptr<Tokenizer> FromTokenizerJson(const std::string& path);
  static std::unique_ptr<Tokenizer> FromVocabTxt(const std::string& vocab_path,
                                                 const TokenizerOptions& options);

  // Text is UTF-8; invalid UTF-8 sequences are replaced by U+FFFD (which clean_text drops).
  Encoding Encode(std::string_view text, bool add_special_tokens = true) const;
  Encoding EncodePair(std::string_view text, std::string_view pair,
                      bool add_special_tokens = true) const;
  std::string Decode(const std::vector<int32_t>& ids, bool skip_special_tokens = true) const;

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
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace dbn
