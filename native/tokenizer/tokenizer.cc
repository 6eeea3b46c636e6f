// Added-token splitting, pre-tokenization, template post-processing and decoding; loading is
// in tokenizer_load.cc, normalization in normalizer.cc, WordPiece in wordpiece.cc.
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "tokenizer/tokenizer_impl.h"

namespace dbn {

void Tokenizer::Impl::AddWords(const NormalizedText& norm, size_t begin, size_t end,
                               int32_t* word, std::vector<WordPiecePiece>* scratch,
                               SequenceTokens* out) const {
  const char* s = norm.text.data();
  ForEachBertWord(norm.text, begin, end, [&](size_t wb, size_t we) {
    scratch->clear();
    wordpiece->Tokenize(std::string_view(s + wb, we - wb), scratch);
    for (const WordPiecePiece& p : *scratch) {
      out->ids.push_back(p.id);
      out->added.push_back(0);
      out->word_ids.push_back(*word);
      out->offsets.emplace_back(norm.orig_begin[wb + p.begin], norm.orig_end[wb + p.end - 1]);
    }
    ++*word;
  });
}

void Tokenizer::Impl::EncodeSequence(std::string_view text, SequenceTokens* out) const {
  std::vector<TextSpan> spans;
  SplitOnAddedTokens(text, raw_matcher, &spans);
  NormalizedText norm;
  std::vector<WordPiecePiece> scratch;
  std::vector<TextSpan> norm_spans;
  int32_t word = 0;
  out->ids.reserve(text.size() / 3 + 4);
  for (const TextSpan& span : spans) {
    if (span.token != nullptr) {
      out->ids.push_back(span.token->id);
      out->added.push_back(1);
      out->word_ids.push_back(word++);
      out->offsets.emplace_back(static_cast<uint32_t>(span.begin), static_cast<uint32_t>(span.end));
      continue;
    }
    norm.Clear();
    std::string_view piece = text.substr(span.begin, span.end - span.begin);
    if (has_normalizer) {
      normalizer->Normalize(piece, static_cast<uint32_t>(span.begin), &norm);
    } else {
      // No normalizer: still replace invalid UTF-8, keeping original spans per char.
      size_t pos = 0;
      while (pos < piece.size()) {
        size_t start = pos;
        uint32_t cp = DecodeUtf8(piece.data(), piece.size(), &pos);
        AppendUtf8(cp, &norm.text);
        norm.orig_begin.resize(norm.text.size(), static_cast<uint32_t>(span.begin + start));
        norm.orig_end.resize(norm.text.size(), static_cast<uint32_t>(span.begin + pos));
      }
    }
    if (normalized_matcher.empty()) {
      AddWords(norm, 0, norm.text.size(), &word, &scratch, out);
      continue;
    }
    norm_spans.clear();
    SplitOnAddedTokens(norm.text, normalized_matcher, &norm_spans);
    for (const TextSpan& ns : norm_spans) {
      if (ns.token == nullptr) {
        AddWords(norm, ns.begin, ns.end, &word, &scratch, out);
      } else {
        out->ids.push_back(ns.token->id);
        out->added.push_back(1);
        out->word_ids.push_back(word++);
        out->offsets.emplace_back(norm.orig_begin[ns.begin], norm.orig_end[ns.end - 1]);
      }
    }
  }
}

static void CheckLengths(const EncodeOptions& options) {
  const auto check = [](size_t value, const char* name) {
    if (value > kMaxSequenceLength) {
      throw Error(ErrorCode::kInvalidArgument,
                  std::string(name) + " is " + std::to_string(value) + "; at most " +
                      std::to_string(kMaxSequenceLength) +
                      " tokens are accepted (no BERT-family model reads longer sequences)");
    }
  };
  if (options.truncation) {
    check(options.truncation->max_length, "maxLength");
    check(options.truncation->stride, "stride");
  }
  if (options.padding) {
    check(options.padding->length, "the padding length");
    check(options.padding->multiple_of, "padToMultipleOf");
  }
}

Encoding Tokenizer::Impl::EncodeOne(std::string_view text, const std::string_view* pair,
                                    const EncodeOptions& options) const {
  CheckLengths(options);
  SequenceTokens a;
  EncodeSequence(text, &a);
  SequenceTokens b;
  if (pair) EncodeSequence(*pair, &b);
  Encoding e = post.Process(a, pair ? &b : nullptr, options.add_special_tokens, options.truncation,
                            options.with_tokens);
  if (options.padding) Pad(&e, PaddingTarget(*options.padding, e.size()), *options.padding);
  return e;
}

// ---------------------------------------------------------------------------------------
// Encoding / decoding

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

Encoding Tokenizer::Encode(std::string_view text, const EncodeOptions& options) const {
  return impl_->EncodeOne(text, nullptr, options);
}

Encoding Tokenizer::EncodePair(std::string_view text, std::string_view pair,
                               const EncodeOptions& options) const {
  return impl_->EncodeOne(text, &pair, options);
}

Encoding Tokenizer::Encode(std::string_view text, bool add_special_tokens) const {
  EncodeOptions options;
  options.add_special_tokens = add_special_tokens;
  return impl_->EncodeOne(text, nullptr, options);
}

Encoding Tokenizer::EncodePair(std::string_view text, std::string_view pair,
                               bool add_special_tokens) const {
  EncodeOptions options;
  options.add_special_tokens = add_special_tokens;
  return impl_->EncodeOne(text, &pair, options);
}

std::vector<Encoding> Tokenizer::EncodeBatch(const std::vector<BatchInput>& inputs,
                                             const EncodeOptions& options, int threads) const {
  CheckLengths(options);
  std::vector<Encoding> out(inputs.size());
  // Padding to the batch's longest needs every length first: encode unpadded, pad after.
  EncodeOptions unpadded = options;
  unpadded.padding.reset();
  // Inputs are handed out in small chunks from a shared counter, so one long text does not
  // hold up a whole static share.
  constexpr size_t kChunk = 16;
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    try {
      for (size_t begin; (begin = next.fetch_add(kChunk)) < inputs.size();) {
        const size_t end = std::min(begin + kChunk, inputs.size());
        for (size_t i = begin; i < end; ++i) {
          const BatchInput& in = inputs[i];
          out[i] = impl_->EncodeOne(in.text, in.has_pair ? &in.pair : nullptr, unpadded);
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next.store(inputs.size());
    }
  };
  const size_t n_threads =
      std::min<size_t>(threads > 1 ? static_cast<size_t>(threads) : 1, (inputs.size() + kChunk - 1) / kChunk);
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < n_threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& t : helpers) t.join();
  if (failure) std::rethrow_exception(failure);
  if (options.padding) {
    size_t longest = 0;
    for (const Encoding& e : out) longest = std::max(longest, e.size());
    const size_t target = PaddingTarget(*options.padding, longest);
    for (Encoding& e : out) Pad(&e, target, *options.padding);
  }
  return out;
}

size_t Tokenizer::NumSpecialTokensToAdd(bool pair) const { return impl_->post.NumSpecialTokens(pair); }

bool Tokenizer::Impl::AppendDecoded(int32_t id, bool skip_special_tokens, bool first,
                                    std::string* out) const {
  // HF: ids without a token are dropped; then the WordPiece decoder, token by token.
  if (id < 0 || static_cast<size_t>(id) >= id_to_token.size()) return false;
  if (skip_special_tokens && is_special[id]) return false;
  const std::string& tok = id_to_token[id];
  if (!decoder_wordpiece) {
    if (!first) out->push_back(' ');
    *out += tok;
    return true;
  }
  AppendWordPieceDecoded(tok, first, decoder_prefix, decoder_cleanup, out);
  return true;
}

std::string Tokenizer::Decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const {
  std::string out;
  bool first = true;
  for (int32_t id : ids) {
    if (impl_->AppendDecoded(id, skip_special_tokens, first, &out)) first = false;
  }
  return out;
}

std::vector<std::string> Tokenizer::DecodeFilled(const std::vector<int32_t>& ids, size_t position,
                                                 const std::vector<int32_t>& candidates,
                                                 bool skip_special_tokens) const {
  if (position >= ids.size()) {
    throw Error(ErrorCode::kInvalidArgument, "position " + std::to_string(position) +
                                                 " is outside the " + std::to_string(ids.size()) +
                                                 " ids");
  }
  // A token's piece depends only on the token and on whether one was kept before it, so the
  // text is left + candidate + right, where right has two forms: after a kept token or not.
  std::string left;
  bool left_empty = true;
  for (size_t i = 0; i < position; ++i) {
    if (impl_->AppendDecoded(ids[i], skip_special_tokens, left_empty, &left)) left_empty = false;
  }
  auto decode_right = [&](bool first) {
    std::string right;
    for (size_t i = position + 1; i < ids.size(); ++i) {
      if (impl_->AppendDecoded(ids[i], skip_special_tokens, first, &right)) first = false;
    }
    return right;
  };
  const std::string right_after = decode_right(false);
  std::string right_first;  // only when nothing before the suffix is kept: rare
  bool have_right_first = false;
  std::vector<std::string> out;
  out.reserve(candidates.size());
  for (int32_t c : candidates) {
    std::string text = left;
    const bool kept = impl_->AppendDecoded(c, skip_special_tokens, left_empty, &text);
    if (kept || !left_empty) {
      text += right_after;
    } else {
      if (!have_right_first) right_first = decode_right(true), have_right_first = true;
      text += right_first;
    }
    out.push_back(std::move(text));
  }
  return out;
}

int32_t Tokenizer::TokenToId(std::string_view token) const {
  for (const auto& t : impl_->added) {
    if (impl_->id_to_token[t->id] == token) return t->id;
  }
  return impl_->wordpiece->TokenToId(token);
}

const std::string& Tokenizer::IdToToken(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->id_to_token.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                "token id " + std::to_string(id) + " is outside the vocabulary (size " +
                    std::to_string(impl_->id_to_token.size()) + ")");
  }
  return impl_->id_to_token[id];
}

bool Tokenizer::IsSpecial(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->is_special.size() && impl_->is_special[id];
}
int32_t Tokenizer::vocab_size() const { return static_cast<int32_t>(impl_->id_to_token.size()); }
int32_t Tokenizer::cls_id() const { return impl_->cls; }
int32_t Tokenizer::sep_id() const { return impl_->sep; }
int32_t Tokenizer::pad_id() const { return impl_->pad; }
int32_t Tokenizer::unk_id() const { return impl_->unk; }
int32_t Tokenizer::mask_id() const { return impl_->mask; }
const std::string& Tokenizer::mask_token() const { return impl_->mask_token_str; }

}  // namespace dbn
