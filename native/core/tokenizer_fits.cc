// No libtorch here: the addon checks a model's tokenizer after the engine library loaded the
// model, from the config the engine reported (core/tokenizer_fits.h).
#include "core/tokenizer_fits.h"

#include "common/error.h"
#include "tokenizer/tokenizer.h"

namespace dbn {

void CheckTokenizerFits(const ModelConfig& config, const Tokenizer& tokenizer,
                        const std::string& dir) {
  const std::string where = dir + ": ";
  if (tokenizer.vocab_size() > config.vocab_size) {
    throw Error(ErrorCode::kUnsupportedModel,
                where + "config.json has vocab_size " + std::to_string(config.vocab_size) +
                    " but the tokenizer has " + std::to_string(tokenizer.vocab_size()) +
                    " tokens; the config and tokenizer belong to different checkpoints");
  }
  const std::pair<const char*, int32_t> specials[] = {{"[CLS]", tokenizer.cls_id()},
                                                      {"[SEP]", tokenizer.sep_id()},
                                                      {"[PAD]", tokenizer.pad_id()},
                                                      {"[UNK]", tokenizer.unk_id()},
                                                      {"mask token", tokenizer.mask_id()}};
  for (const auto& [name, id] : specials) {
    if (id >= config.vocab_size) {
      throw Error(ErrorCode::kUnsupportedModel,
                  where + "the tokenizer's " + name + " id is " + std::to_string(id) +
                      " but config.json has vocab_size " + std::to_string(config.vocab_size));
    }
  }
  if (config.head == HeadKind::kMaskedLm && (tokenizer.mask_id() < 0 || tokenizer.mask_token().empty())) {
    throw Error(ErrorCode::kUnsupportedModel,
                where + "a DistilBertForMaskedLM checkpoint needs a mask token, and its tokenizer "
                        "has none (no [MASK] and no special added token named like one)");
  }
}

}  // namespace dbn
