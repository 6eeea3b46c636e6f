// Whether a checkpoint's tokenizer can drive its config. Plain C++ (no libtorch), so the addon
// runs it: the tokenizer lives in the addon, the model in the engine library.
#pragma once

#include <string>

#include "core/config.h"

namespace dbn {

class Tokenizer;

// Throws kUnsupportedModel, naming the field and both values, when the checkpoint's tokenizer
// cannot drive this config: more tokens than vocab_size, a special-token id outside the
// embeddings, or a masked-LM checkpoint whose tokenizer has no mask token.
void CheckTokenizerFits(const ModelConfig& config, const Tokenizer& tokenizer,
                        const std::string& dir);

}  // namespace dbn
