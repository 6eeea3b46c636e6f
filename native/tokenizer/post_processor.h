// What happens after the WordPiece model, as in Hugging Face tokenizers' post_process():
// truncation (with stride and overflowing windows), the TemplateProcessing template, padding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace dbn {

// One sequence after the model, before post-processing. Offsets in input bytes.
struct SequenceTokens {
  std::vector<int32_t> ids;
  std::vector<int32_t> word_ids;
  std::vector<std::pair<uint32_t, uint32_t>> offsets;
  std::vector<uint8_t> added;  // 1: an added token matched in the text

  size_t size() const { return ids.size(); }
};

struct TemplatePiece {
  bool is_sequence = false;
  int sequence = 0;  // 0 = $A, 1 = $B
  int32_t type_id = 0;
  std::vector<int32_t> ids;  // special token ids
  std::vector<std::string> tokens;
};

struct PostProcessor {
  bool has_template = true;  // false: no post_processor in tokenizer.json
  std::vector<TemplatePiece> single;
  std::vector<TemplatePiece> pair;
  const std::vector<std::string>* id_to_token = nullptr;

  size_t NumSpecialTokens(bool is_pair) const;
  // Truncates (per `truncation`, whose max_length includes the special tokens when they are
  // added), applies the template to the kept windows and to every overflowing combination.
  Encoding Process(const SequenceTokens& a, const SequenceTokens* b, bool add_special,
                   const std::optional<TruncationParams>& truncation,
                   bool with_tokens = true) const;
};

// Length every encoding of a batch is padded to; `longest` is the longest one in the batch.
size_t PaddingTarget(const PaddingParams& params, size_t longest);
// Pads e (and its overflowing windows) up to `target`; longer encodings are left as they are.
// `tokens` is padded only where it is filled in.
void Pad(Encoding* e, size_t target, const PaddingParams& params);

}  // namespace dbn
