// DistilBERT hyper-parameters and head kind, parsed from a Hugging Face config.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dbn {

enum class HeadKind {
  kMaskedLm,                // DistilBertForMaskedLM
  kSequenceClassification,  // DistilBertForSequenceClassification
  kTokenClassification,     // DistilBertForTokenClassification
  kQuestionAnswering,       // DistilBertForQuestionAnswering
  kBase,                    // DistilBertModel
};

const char* HeadKindName(HeadKind kind);  // the HF architecture name

enum class Activation { kGelu, kRelu };

struct ModelConfig {
  HeadKind head = HeadKind::kMaskedLm;
  int64_t vocab_size = 0;
  int64_t dim = 0;
  int64_t n_layers = 0;
  int64_t n_heads = 0;
  int64_t hidden_dim = 0;
  int64_t max_position_embeddings = 0;
  int64_t pad_token_id = 0;
  Activation activation = Activation::kGelu;
  std::vector<std::string> id2label;  // classification heads; empty otherwise
};

// Throws Error(kUnsupportedModel) naming the field for a non-DistilBERT or inconsistent config,
// Error(kModelLoadFailed) for text that is not JSON.
ModelConfig ParseConfig(const std::string& json_text, const std::string& source_name);
ModelConfig LoadConfigFile(const std::string& path);

}  // namespace dbn
