#include "tokenizer/post_processor.h"

#include <algorithm>
#include <utility>

#include "common/error.h"

namespace dbn {
namespace {

SequenceTokens Slice(const SequenceTokens& s, size_t begin, size_t end) {
  SequenceTokens out;
  out.ids.assign(s.ids.begin() + begin, s.ids.begin() + end);
  out.word_ids.assign(s.word_ids.begin() + begin, s.word_ids.begin() + end);
  out.offsets.assign(s.offsets.begin() + begin, s.offsets.begin() + end);
  out.added.assign(s.added.begin() + begin, s.added.begin() + end);
  return out;
}

// HF Encoding::truncate: windows[0] is what is kept, the rest overflow. Consecutive windows
// share `stride` tokens.
std::vector<SequenceTokens> Windows(const SequenceTokens& s, size_t max_len, size_t stride,
                                    Side side) {
  const size_t n = s.size();
  std::vector<SequenceTokens> out;
  if (max_len >= n) {
    out.push_back(s);
    return out;
  }
  if (max_len == 0) {
    out.emplace_back();
    out.push_back(s);
    return out;
  }
  if (stride >= max_len) {
    throw Error(ErrorCode::kInvalidArgument,
                "stride (" + std::to_string(stride) + ") must be smaller than the " +
                    std::to_string(max_len) +
                    " tokens left for a sequence once special tokens and the other sequence "
                    "are counted; lower stride or raise maxLength");
  }
  const size_t step = max_len - stride;
  if (side == Side::kRight) {
    for (size_t start = 0; start < n; start += step) {
      const size_t stop = std::min(start + max_len, n);
      out.push_back(Slice(s, start, stop));
      if (stop == n) break;
    }
  } else {
    for (size_t v = n - 1;; v -= step) {
      const size_t stop = v + 1;
      const size_t start = stop > max_len ? stop - max_len : 0;
      out.push_back(Slice(s, start, stop));
      if (start == 0 || v < step) break;
    }
  }
  return out;
}

// HF truncate_encodings (max_length already excludes the special tokens).
void Truncate(const SequenceTokens& a, const SequenceTokens* b, const TruncationParams& p,
              std::vector<SequenceTokens>* wa, std::vector<SequenceTokens>* wb) {
  auto keep_all = [&] {
    wa->assign(1, a);
    if (b) wb->assign(1, *b);
  };
  if (p.max_length == 0) {
    *wa = Windows(a, 0, p.stride, p.direction);
    if (b) *wb = Windows(*b, 0, p.stride, p.direction);
    return;
  }
  const size_t total = a.size() + (b ? b->size() : 0);
  if (total <= p.max_length) return keep_all();
  const size_t to_remove = total - p.max_length;
  if (p.strategy == TruncationStrategy::kLongestFirst) {
    if (!b) {
      *wa = Windows(a, p.max_length, p.stride, p.direction);
      return;
    }
    size_t n1 = a.size();
    size_t n2 = b->size();
    const bool swap = n1 > n2;
    if (swap) std::swap(n1, n2);
    n2 = n1 > p.max_length ? n1 : std::max(n1, p.max_length - n1);
    if (n1 + n2 > p.max_length) {
      n1 = p.max_length / 2;
      n2 = n1 + p.max_length % 2;
    }
    if (swap) std::swap(n1, n2);
    *wa = Windows(a, n1, p.stride, p.direction);
    *wb = Windows(*b, n2, p.stride, p.direction);
    return;
  }
  const bool first = p.strategy == TruncationStrategy::kOnlyFirst;
  if (!first && !b) {
    throw Error(ErrorCode::kInvalidArgument,
                "truncation 'only_second' needs a text pair; use 'longest_first' or 'only_first'");
  }
  const SequenceTokens& target = first ? a : *b;
  if (target.size() <= to_remove) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string("the ") + (first ? "first" : "second") +
                    " sequence is too short to remove " + std::to_string(to_remove) +
                    " tokens from it; raise maxLength or truncate the other sequence");
  }
  keep_all();
  std::vector<SequenceTokens>& w = first ? *wa : *wb;
  w = Windows(target, target.size() - to_remove, p.stride, p.direction);
}

void AppendSpecial(const TemplatePiece& p, bool with_tokens, Encoding* e) {
  for (size_t i = 0; i < p.ids.size(); ++i) {
    e->ids.push_back(p.ids[i]);
    if (with_tokens) e->tokens.push_back(p.tokens[i]);
    e->type_ids.push_back(p.type_id);
    e->special_tokens_mask.push_back(1);
    e->attention_mask.push_back(1);
    e->word_ids.push_back(-1);
    e->sequence_ids.push_back(-1);
    e->offsets.emplace_back(0, 0);
  }
}

}  // namespace

size_t PostProcessor::NumSpecialTokens(bool is_pair) const {
  if (!has_template) return 0;
  size_t n = 0;
  for (const TemplatePiece& p : is_pair ? pair : single) n += p.ids.size();
  return n;
}

Encoding PostProcessor::Process(const SequenceTokens& a, const SequenceTokens* b,
                                bool add_special,
                                const std::optional<TruncationParams>& truncation,
                                bool with_tokens) const {
  auto build = [&](const SequenceTokens& sa, const SequenceTokens* sb) {
    Encoding enc;
    const size_t total = sa.size() + (sb ? sb->size() : 0) + 4;
    enc.ids.reserve(total);
    if (with_tokens) enc.tokens.reserve(total);
    enc.type_ids.reserve(total);
    enc.special_tokens_mask.reserve(total);
    enc.attention_mask.reserve(total);
    enc.word_ids.reserve(total);
    enc.sequence_ids.reserve(total);
    enc.offsets.reserve(total);
    auto add_sequence = [&](const SequenceTokens& s, int seq, int32_t type_id) {
      if (with_tokens) {
        for (size_t i = 0; i < s.size(); ++i) enc.tokens.push_back((*id_to_token)[s.ids[i]]);
      }
      enc.ids.insert(enc.ids.end(), s.ids.begin(), s.ids.end());
      enc.type_ids.insert(enc.type_ids.end(), s.size(), type_id);
      enc.special_tokens_mask.insert(enc.special_tokens_mask.end(), s.size(), 0);
      enc.attention_mask.insert(enc.attention_mask.end(), s.size(), 1);
      enc.word_ids.insert(enc.word_ids.end(), s.word_ids.begin(), s.word_ids.end());
      enc.sequence_ids.insert(enc.sequence_ids.end(), s.size(), seq);
      enc.offsets.insert(enc.offsets.end(), s.offsets.begin(), s.offsets.end());
    };
    if (!has_template) {
      // HF's default_process: concatenation; type ids stay 0.
      add_sequence(sa, 0, 0);
      if (sb) add_sequence(*sb, 1, 0);
      return enc;
    }
    for (const TemplatePiece& p : sb ? pair : single) {
      if (p.is_sequence) {
        add_sequence(p.sequence == 0 ? sa : *sb, p.sequence, p.type_id);
      } else if (add_special) {
        AppendSpecial(p, with_tokens, &enc);
      }
    }
    return enc;
  };
  if (!truncation) return build(a, b);

  // The oracle (tokenizers 0.23) stops the model early: it keeps whole words, in reading
  // order (from the end for left truncation), and stops after the first word of plain text
  // (not an added token) that brings the count to max_length or more; the rest is dropped for
  // good. Only then does HF's truncation (below) make the overflowing windows. Measured
  // against the oracle, see test/tokenizer.parity.test.ts.
  const size_t limit = truncation->max_length;
  auto cut = [&](const SequenceTokens& s) {
    const size_t n = s.size();
    if (n <= limit) return s;
    size_t count = 0;
    if (truncation->direction == Side::kRight) {
      for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && s.word_ids[j] == s.word_ids[i]) ++j;
        count += j - i;
        if (count >= limit && !s.added[i]) return Slice(s, 0, j);
        i = j;
      }
      return s;
    }
    for (size_t j = n; j > 0;) {
      size_t i = j - 1;
      while (i > 0 && s.word_ids[i - 1] == s.word_ids[j - 1]) --i;
      count += j - i;
      if (count >= limit && !s.added[i]) {
        // Cut from the end, the oracle numbers words from the first one it kept.
        SequenceTokens kept = Slice(s, i, n);
        const int32_t first = kept.word_ids.front();
        for (int32_t& w : kept.word_ids) w -= first;
        return kept;
      }
      j = i;
    }
    return s;
  };
  const SequenceTokens ca = cut(a);
  SequenceTokens cb;
  if (b) cb = cut(*b);
  const SequenceTokens* pb = b ? &cb : nullptr;

  TruncationParams params = *truncation;
  const size_t n_added = add_special ? NumSpecialTokens(pb != nullptr) : 0;
  if (params.max_length < n_added) {
    throw Error(ErrorCode::kInvalidArgument,
                "maxLength " + std::to_string(params.max_length) + " leaves no room: the " +
                    std::to_string(n_added) + " special tokens alone need more");
  }
  params.max_length -= n_added;
  std::vector<SequenceTokens> wa, wb;
  Truncate(ca, pb, params, &wa, &wb);
  Encoding main = build(wa[0], pb ? &wb[0] : nullptr);
  // HF Encoding::merge_with order: every overflowing window of A with B's kept window, then
  // with each of B's overflowing windows; then A's kept window with B's overflowing windows.
  for (size_t i = 1; i < wa.size(); ++i) {
    if (!pb) {
      main.overflowing.push_back(build(wa[i], nullptr));
      continue;
    }
    for (size_t j = 0; j < wb.size(); ++j) main.overflowing.push_back(build(wa[i], &wb[j]));
  }
  for (size_t j = 1; j < wb.size(); ++j) main.overflowing.push_back(build(wa[0], &wb[j]));
  return main;
}

size_t PaddingTarget(const PaddingParams& params, size_t longest) {
  size_t target = params.to_longest ? longest : params.length;
  if (params.multiple_of > 0 && target % params.multiple_of != 0) {
    target += params.multiple_of - target % params.multiple_of;
  }
  return target;
}

void Pad(Encoding* e, size_t target, const PaddingParams& p) {
  for (Encoding& o : e->overflowing) Pad(&o, target, p);
  if (e->size() >= target) return;
  const size_t n = target - e->size();
  const bool with_tokens = e->tokens.size() == e->ids.size();
  const bool left = p.direction == Side::kLeft;
  auto fill = [&](auto& v, auto value) {
    v.insert(left ? v.begin() : v.end(), n, value);
  };
  fill(e->ids, p.pad_id);
  if (with_tokens) fill(e->tokens, p.pad_token);
  fill(e->type_ids, p.pad_type_id);
  fill(e->special_tokens_mask, uint8_t{1});
  fill(e->attention_mask, uint8_t{0});
  fill(e->word_ids, int32_t{-1});
  fill(e->sequence_ids, int32_t{-1});
  fill(e->offsets, std::pair<uint32_t, uint32_t>(0, 0));
}

}  // namespace dbn
