// Tokenizer::Impl: the state behind dbn::Tokenizer, shared by its loading
// (tokenizer_load.cc) and encoding (tokenizer.cc) halves. Private to the tokenizer library.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/normalizer.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/wordpiece.h"

namespace dbn {

struct Tokenizer::Impl {
  NormalizerOptions normalizer_options;
  bool has_normalizer = true;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<WordPiece> wordpiece;
  std::vector<std::string> id_to_token;
  std::vector<uint8_t> is_special;
  std::vector<std::unique_ptr<AddedToken>> added;
  AddedTokenMatcher raw_matcher;
  AddedTokenMatcher normalized_matcher;
  PostProcessor post;
  bool decoder_wordpiece = true;
  std::string decoder_prefix = "##";
  bool decoder_cleanup = true;
  int32_t cls = -1, sep = -1, pad = -1, unk = -1, mask = -1;
  std::string mask_token_str;

  // Appends one token's share of a decoded text (the WordPiece decoder works token by token);
  // false when the token is dropped (no such id, or a special token being skipped).
  bool AppendDecoded(int32_t id, bool skip_special_tokens, bool first, std::string* out) const;
  void EncodeSequence(std::string_view text, SequenceTokens* out) const;
  void AddWords(const NormalizedText& norm, size_t begin, size_t end, int32_t* word,
                std::vector<WordPiecePiece>* scratch, SequenceTokens* out) const;
  Encoding EncodeOne(std::string_view text, const std::string_view* pair,
                     const EncodeOptions& options) const;
  void Finish(const std::vector<std::string>& vocab, std::vector<AddedToken> added_tokens,
              const std::string& unk_token, const std::string& prefix, int max_chars);
  void SetBertTemplate(const std::string& cls, int32_t cls_id, const std::string& sep,
                       int32_t sep_id);
  // specials: pad, unk, cls, sep, mask.
  static std::unique_ptr<Impl> FromVocab(const std::string& vocab_path,
                                         const TokenizerOptions& options,
                                         const std::vector<std::string>& specials);
};

}  // namespace dbn
