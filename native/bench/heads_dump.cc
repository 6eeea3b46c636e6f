// dbn_heads_dump: runs a checkpoint's own head on the core library alone (no Node) and prints
// one JSON line per input with its token ids and the head's raw float32 outputs, for parity
// checks across devices and against Hugging Face transformers on machines without Node
// (tools/gpu/device-check.sh; tools/gpu/hf-parity.py reads the lines).
//   dbn_heads_dump MODEL_DIR DEVICE DTYPE TEXT...
// masked-LM: the top-10 ids and probabilities at each [MASK]; sequence classification: the
// logits; token classification: logits per token; question answering: start and end logits
// per token (TEXT is "question\tcontext"); base: the unnormalized mean-pooled hidden state.
#include <cstdio>
#include <string>
#include <vector>

#include "common/error.h"
#include "core/distilbert.h"
#include "tokenizer/tokenizer.h"

#include <c10/core/InferenceMode.h>

namespace {

std::string Floats(const float* v, size_t n) {
  std::string out = "[";
  char buf[32];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%.9g", v[i]);
    out += (i ? "," : "") + std::string(buf);
  }
  return out + "]";
}

template <typename T>
std::string Ints(const T* v, size_t n) {
  std::string out = "[";
  for (size_t i = 0; i < n; ++i) out += (i ? "," : "") + std::to_string(v[i]);
  return out + "]";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: dbn_heads_dump MODEL_DIR DEVICE DTYPE TEXT...\n");
    return 2;
  }
  c10::InferenceMode guard;
  try {
    dbn::LoadOptions options;
    options.device = argv[2];
    options.dtype = argv[3];
    auto model = dbn::DistilBert::Load(argv[1], options);
    auto tokenizer = dbn::Tokenizer::FromDirectory(argv[1]);
    const dbn::HeadKind head = model->config().head;
    for (int i = 4; i < argc; ++i) {
      std::string text = argv[i];
      dbn::Encoding e;
      if (head == dbn::HeadKind::kQuestionAnswering) {
        const auto tab = text.find('\t');
        if (tab == std::string::npos) throw dbn::Error(dbn::ErrorCode::kInvalidArgument, "QA input needs question<TAB>context");
        e = tokenizer->EncodePair(text.substr(0, tab), text.substr(tab + 1));
      } else {
        e = tokenizer->Encode(text);
      }
      dbn::TokenBatch batch{e.ids, {static_cast<int32_t>(e.ids.size())}};
      std::string out = "{\"head\":\"" + std::string(dbn::HeadKindName(head)) + "\",\"device\":\"" +
                        model->device() + "\",\"dtype\":\"" + model->dtype() + "\",\"input_ids\":" +
                        Ints(e.ids.data(), e.ids.size());
      switch (head) {
        case dbn::HeadKind::kMaskedLm: {
          dbn::FillMaskResult r = model->FillMask(batch, tokenizer->mask_id(), 10, {});
          out += ",\"masks\":[";
          for (size_t m = 0; m < r.rows.size(); ++m) {
            out += std::string(m ? "," : "") + "{\"position\":" + std::to_string(r.positions[m]) +
                   ",\"ids\":" + Ints(&r.token_ids[m * r.k], r.k) + ",\"probs\":" + Floats(&r.scores[m * r.k], r.k) + "}";
          }
          out += "]";
          break;
        }
        case dbn::HeadKind::kSequenceClassification: {
          auto v = model->SequenceLogits(batch);
          out += ",\"logits\":" + Floats(v.data(), v.size());
          break;
        }
        case dbn::HeadKind::kTokenClassification: {
          auto v = model->TokenLogits(batch);
          out += ",\"logits\":" + Floats(v.data(), v.size()) + ",\"labels\":" +
                 std::to_string(v.size() / e.ids.size());
          break;
        }
        case dbn::HeadKind::kQuestionAnswering: {
          auto [start, end] = model->QaLogits(batch);
          out += ",\"start\":" + Floats(start.data(), start.size()) + ",\"end\":" + Floats(end.data(), end.size());
          break;
        }
        case dbn::HeadKind::kBase: {
          auto v = model->Embed(batch, dbn::Pooling::kMean, false);
          out += ",\"mean_hidden\":" + Floats(v.data(), v.size());
          break;
        }
      }
      std::printf("%s}\n", out.c_str());
    }
  } catch (const dbn::Error& e) {
    std::fprintf(stderr, "%s: %s\n", dbn::ErrorCodeName(e.code()), e.what());
    return 1;
  }
  return 0;
}
