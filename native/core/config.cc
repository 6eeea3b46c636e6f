#include "core/config.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/read_file.h"

namespace dbn {
namespace {

using nlohmann::json;

// A value as it may appear in a message: short, never a dump of a nested value.
std::string Describe(const json& v) {
  if (v.is_number() || v.is_boolean() || v.is_null()) return v.dump();
  if (v.is_string()) {
    const std::string& str = v.get_ref<const std::string&>();
    return str.size() <= 40 ? json(str).dump() : "a string of " + std::to_string(str.size()) + " bytes";
  }
  return v.is_array() ? "an array" : "an object";
}

[[noreturn]] void Unsupported(const std::string& source, const std::string& what) {
  throw Error(ErrorCode::kUnsupportedModel, source + ": " + what);
}

int64_t PositiveInt(const json& j, const char* key, const std::string& source, int64_t fallback,
                    bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) Unsupported(source, std::string("missing field \"") + key + "\"");
    return fallback;
  }
  if (!it->is_number_integer() || it->get<int64_t>() <= 0 || it->get<int64_t>() > (1 << 24)) {
    Unsupported(source, std::string("field \"") + key + "\" must be an integer from 1 to " +
                            std::to_string(1 << 24) + ", got " + Describe(*it));
  }
  return it->get<int64_t>();
}

HeadKind ParseHead(const json& j, const std::string& source) {
  auto it = j.find("architectures");
  if (it == j.end() || it->is_null()) return HeadKind::kMaskedLm;  // bare configs: assume MLM
  if (!it->is_array() || it->empty() || !(*it)[0].is_string()) {
    Unsupported(source, "field \"architectures\" must be a non-empty array of strings");
  }
  const std::string arch = (*it)[0].get<std::string>();
  for (HeadKind kind : {HeadKind::kMaskedLm, HeadKind::kSequenceClassification,
                        HeadKind::kTokenClassification, HeadKind::kQuestionAnswering,
                        HeadKind::kBase}) {
    if (arch == HeadKindName(kind)) return kind;
  }
  Unsupported(source, "architecture \"" + arch +
                          "\" is not supported; expected one of DistilBertForMaskedLM, "
                          "DistilBertForSequenceClassification, DistilBertForTokenClassification, "
                          "DistilBertForQuestionAnswering, DistilBertModel");
}

std::vector<std::string> ParseLabels(const json& j, const std::string& source) {
  std::vector<std::string> labels;
  auto it = j.find("id2label");
  if (it == j.end() || !it->is_object()) {
    const int64_t n = PositiveInt(j, "num_labels", source, 2, false);
    for (int64_t i = 0; i < n; ++i) labels.push_back("LABEL_" + std::to_string(i));
    return labels;
  }
  labels.resize(it->size());
  for (auto& [key, value] : it->items()) {
    size_t idx = 0;
    try {
      idx = std::stoul(key);
    } catch (const std::exception&) {
      Unsupported(source, "id2label key \"" + key + "\" is not an integer");
    }
    if (idx >= labels.size() || !value.is_string()) {
      Unsupported(source, "id2label must map 0..n-1 to strings; bad entry \"" + key + "\"");
    }
    labels[idx] = value.get<std::string>();
  }
  return labels;
}

}  // namespace

const char* HeadKindName(HeadKind kind) {
  switch (kind) {
    case HeadKind::kMaskedLm: return "DistilBertForMaskedLM";
    case HeadKind::kSequenceClassification: return "DistilBertForSequenceClassification";
    case HeadKind::kTokenClassification: return "DistilBertForTokenClassification";
    case HeadKind::kQuestionAnswering: return "DistilBertForQuestionAnswering";
    case HeadKind::kBase: return "DistilBertModel";
  }
  return "?";
}

ModelConfig ParseConfig(const std::string& json_text, const std::string& source) {
  CheckJsonDepth(json_text.data(), json_text.data() + json_text.size(), source,
                 ErrorCode::kModelLoadFailed);
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    throw Error(ErrorCode::kModelLoadFailed, source + ": not a JSON object");
  }
  auto mt = j.find("model_type");
  if (mt == j.end() || !mt->is_string() || mt->get<std::string>() != "distilbert") {
    Unsupported(source, "model_type must be \"distilbert\", got " +
                            (mt == j.end() ? std::string("nothing") : Describe(*mt)));
  }
  ModelConfig c;
  c.head = ParseHead(j, source);
  c.vocab_size = PositiveInt(j, "vocab_size", source, 0, true);
  c.dim = PositiveInt(j, "dim", source, 0, true);
  c.n_layers = PositiveInt(j, "n_layers", source, 0, true);
  c.n_heads = PositiveInt(j, "n_heads", source, 0, true);
  c.hidden_dim = PositiveInt(j, "hidden_dim", source, 0, true);
  c.max_position_embeddings = PositiveInt(j, "max_position_embeddings", source, 512, false);
  auto pad = j.find("pad_token_id");
  if (pad != j.end() && pad->is_number_integer()) c.pad_token_id = pad->get<int64_t>();
  if (c.dim % c.n_heads != 0) {
    Unsupported(source, "dim (" + std::to_string(c.dim) + ") must be divisible by n_heads (" +
                            std::to_string(c.n_heads) + ")");
  }
  auto act = j.find("activation");
  if (act != j.end() && act->is_string()) {
    const std::string a = act->get<std::string>();
    if (a == "gelu") c.activation = Activation::kGelu;
    else if (a == "relu") c.activation = Activation::kRelu;
    else Unsupported(source, "activation \"" + a + "\" is not supported (gelu or relu)");
  }
  if (c.head == HeadKind::kSequenceClassification || c.head == HeadKind::kTokenClassification) {
    c.id2label = ParseLabels(j, source);
  }
  return c;
}

ModelConfig LoadConfigFile(const std::string& path) {
  return ParseConfig(ReadTextFile(path, 1u << 20), path);
}

}  // namespace dbn
