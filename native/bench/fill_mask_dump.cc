// dbn_fill_mask: fill-mask from the command line on the core library alone (no Node), printing
// one JSON line per input with the token ids and the top-k of each mask. Used for device
// parity checks on machines without Node (dbn_heads_dump covers every head for tools/gpu/device-check.sh).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/error.h"
#include "core/distilbert.h"
#include "tokenizer/tokenizer.h"

#include <c10/core/InferenceMode.h>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: [DBN_DTYPE=bfloat16] dbn_fill_mask MODEL_DIR DEVICE TOP_K TEXT...\n");
    return 2;
  }
  c10::InferenceMode guard;
  try {
    dbn::LoadOptions options;
    options.device = argv[2];
    if (const char* dtype = std::getenv("DBN_DTYPE")) options.dtype = dtype;  // e.g. bfloat16
    auto model = dbn::DistilBert::Load(argv[1], options);
    auto tokenizer = dbn::Tokenizer::FromDirectory(argv[1]);
    const int top_k = std::stoi(argv[3]);
    for (int i = 4; i < argc; ++i) {
      dbn::Encoding e = tokenizer->Encode(argv[i]);
      dbn::TokenBatch batch{e.ids, {static_cast<int32_t>(e.ids.size())}};
      dbn::FillMaskResult r = model->FillMask(batch, tokenizer->mask_id(), top_k, {});
      std::string out = "{\"device\":\"" + model->device() + "\",\"input_ids\":[";
      for (size_t j = 0; j < e.ids.size(); ++j) out += (j ? "," : "") + std::to_string(e.ids[j]);
      out += "],\"masks\":[";
      for (size_t m = 0; m < r.rows.size(); ++m) {
        out += std::string(m ? "," : "") + "{\"position\":" + std::to_string(r.positions[m]) + ",\"ids\":[";
        for (int j = 0; j < r.k; ++j) out += (j ? "," : "") + std::to_string(r.token_ids[m * r.k + j]);
        out += "],\"scores\":[";
        for (int j = 0; j < r.k; ++j) {
          char buf[32];
          std::snprintf(buf, sizeof buf, "%.8g", r.scores[m * r.k + j]);
          out += (j ? "," : "") + std::string(buf);
        }
        out += "]}";
      }
      std::printf("%s]}\n", out.c_str());
    }
  } catch (const dbn::Error& e) {
    std::fprintf(stderr, "%s: %s\n", dbn::ErrorCodeName(e.code()), e.what());
    return 1;
  }
  return 0;
}
