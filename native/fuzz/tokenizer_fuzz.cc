// libFuzzer harness for dbn::Tokenizer (run under ASan + UBSan by tools/check/fuzz-tokenizer.sh).
// Input: byte 0 picks the tokenizer configuration and the encode options, the rest is the
// text; a 0xFF byte (never valid UTF-8) splits text and pair. Checks the invariants every
// caller relies on: equal field lengths, offsets inside the input, ids inside the vocabulary,
// decode accepting any id list, batch == single.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "tokenizer/tokenizer.h"

namespace {

struct Fixture {
  std::vector<std::unique_ptr<dbn::Tokenizer>> tokenizers;
};

const Fixture& Get() {
  static const Fixture* f = [] {
    auto* fx = new Fixture();
    const char* env = std::getenv("DBN_FUZZ_DATA");
    const std::string dir = env ? env : "../shared/data/distilbert-base-uncased";
    fx->tokenizers.push_back(dbn::Tokenizer::FromPath(dir + "/tokenizer.json"));
    dbn::TokenizerOptions cased;
    cased.lowercase = false;
    cased.strip_accents = false;
    fx->tokenizers.push_back(dbn::Tokenizer::FromVocabTxt(dir + "/vocab.txt", cased));
    dbn::TokenizerOptions odd;
    odd.lowercase = false;
    odd.strip_accents = true;
    odd.clean_text = false;
    odd.handle_chinese_chars = false;
    odd.max_input_chars_per_word = 7;
    fx->tokenizers.push_back(dbn::Tokenizer::FromVocabTxt(dir + "/vocab.txt", odd));
    return fx;
  }();
  return *f;
}

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckEncoding(const dbn::Encoding& e, size_t text_size, size_t pair_size, int32_t vocab) {
  const size_t n = e.ids.size();
  Check(e.tokens.size() == n && e.type_ids.size() == n && e.special_tokens_mask.size() == n &&
        e.attention_mask.size() == n && e.word_ids.size() == n && e.sequence_ids.size() == n &&
        e.offsets.size() == n);
  for (size_t i = 0; i < n; ++i) {
    Check(e.ids[i] >= 0 && e.ids[i] < vocab);
    const size_t limit = e.sequence_ids[i] == 1 ? pair_size : text_size;
    Check(e.offsets[i].first <= limit && e.offsets[i].second <= limit);
  }
  for (const dbn::Encoding& o : e.overflowing) CheckEncoding(o, text_size, pair_size, vocab);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Fixture& fx = Get();
  const uint8_t mode = data[0];
  const dbn::Tokenizer& tok = *fx.tokenizers[mode % fx.tokenizers.size()];
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  const size_t split = input.find('\xFF');
  const bool has_pair = split != std::string_view::npos && (mode & 0x04);
  const std::string_view text = has_pair ? input.substr(0, split) : input;
  const std::string_view pair = has_pair ? input.substr(split + 1) : std::string_view();

  dbn::EncodeOptions options;
  options.add_special_tokens = (mode & 0x08) == 0;
  if (mode & 0x10) {
    dbn::TruncationParams t;
    t.max_length = 3 + (mode >> 5) * 3;  // 3..24
    t.stride = (mode >> 6);
    t.strategy = static_cast<dbn::TruncationStrategy>((mode >> 3) % 3);
    t.direction = (mode & 0x02) ? dbn::Side::kLeft : dbn::Side::kRight;
    options.truncation = t;
  }
  if (mode & 0x20) {
    dbn::PaddingParams p;
    p.to_longest = (mode & 0x40) != 0;
    p.length = mode % 40;
    p.multiple_of = mode % 5;
    p.direction = (mode & 0x80) ? dbn::Side::kLeft : dbn::Side::kRight;
    options.padding = p;
  }
  try {
    const dbn::Encoding e =
        has_pair ? tok.EncodePair(text, pair, options) : tok.Encode(text, options);
    CheckEncoding(e, text.size(), pair.size(), tok.vocab_size());
    // Batch results must equal single results (two copies so the batch uses two threads).
    std::vector<dbn::BatchInput> batch(2, dbn::BatchInput{text, pair, has_pair});
    options.padding.reset();
    const auto b = tok.EncodeBatch(batch, options, 2);
    const dbn::Encoding single =
        has_pair ? tok.EncodePair(text, pair, options) : tok.Encode(text, options);
    Check(b.size() == 2 && b[0].ids == single.ids && b[1].offsets == single.offsets);
    // Decode takes any ids, including out-of-range ones, without failing.
    std::vector<int32_t> ids = e.ids;
    ids.push_back(-1);
    ids.push_back(tok.vocab_size() + 7);
    (void)tok.Decode(ids, (mode & 1) != 0);
  } catch (const dbn::Error& err) {
    // Only truncation settings HF rejects may throw, and only as kInvalidArgument.
    Check(err.code() == dbn::ErrorCode::kInvalidArgument && options.truncation.has_value());
  }
  return 0;
}
