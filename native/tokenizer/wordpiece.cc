#include "tokenizer/wordpiece.h"

#include <cstring>

#include "common/error.h"
#include "tokenizer/normalizer.h"

namespace dbn {
namespace {

inline uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Word pieces are short: hash 8 bytes at a time, tail zero-padded.
inline uint64_t HashBytes(const char* p, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0x100000001B3ULL);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0x9FB21C651E98DF25ULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t v = 0;
    std::memcpy(&v, p, n);
    h = (h ^ v) * 0x9FB21C651E98DF25ULL;
  }
  return Mix(h);
}

std::string Cleanup(std::string s) {
  static const std::pair<const char*, const char*> kReplacements[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},          {" ,", ","},
      {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},        {" do not", " don't"},
      {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& [from, to] : kReplacements) {
    const std::string f(from);
    if (s.find(f) == std::string::npos) continue;
    std::string r;
    size_t pos = 0;
    for (size_t hit; (hit = s.find(f, pos)) != std::string::npos; pos = hit + f.size()) {
      r.append(s, pos, hit - pos);
      r.append(to);
    }
    r.append(s, pos, std::string::npos);
    s.swap(r);
  }
  return s;
}

}  // namespace

void StringIdMap::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.id < 0) continue;
    size_t i = s.hash & mask;
    while (slots_[i].id >= 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void StringIdMap::Insert(std::string_view key, int32_t id) {
  if ((count_ + 1) * 2 > slots_.size()) Grow();  // load factor <= 0.5
  const uint64_t h = HashBytes(key.data(), key.size());
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (slots_[i].id >= 0) {
    const Slot& s = slots_[i];
    if (s.hash == h && s.size == key.size() &&
        std::memcmp(pool_.data() + s.offset, key.data(), key.size()) == 0) {
      return;
    }
    i = (i + 1) & mask;
  }
  Slot& s = slots_[i];
  s.hash = h;
  s.offset = static_cast<uint32_t>(pool_.size());
  s.size = static_cast<uint32_t>(key.size());
  s.id = id;
  pool_.append(key.data(), key.size());
  ++count_;
  if (key.size() > max_key_size_) max_key_size_ = key.size();
}

int32_t StringIdMap::Find(std::string_view key) const {
  if (slots_.empty()) return -1;
  const uint64_t h = HashBytes(key.data(), key.size());
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (true) {
    const Slot& s = slots_[i];
    if (s.id < 0) return -1;
    if (s.hash == h && s.size == key.size() &&
        std::memcmp(pool_.data() + s.offset, key.data(), key.size()) == 0) {
      return s.id;
    }
    i = (i + 1) & mask;
  }
}

WordPiece::WordPiece(const std::vector<std::string>& vocab, const std::string& unk_token,
                     const std::string& continuing_subword_prefix, int max_input_chars_per_word)
    : unk_token_(unk_token),
      prefix_(continuing_subword_prefix),
      max_chars_(max_input_chars_per_word < 0 ? 0 : static_cast<size_t>(max_input_chars_per_word)) {
  for (size_t id = 0; id < vocab.size(); ++id) {
    const std::string& tok = vocab[id];
    if (tok.empty()) continue;
    vocab_.Insert(tok, static_cast<int32_t>(id));
    if (!prefix_.empty() && tok.size() > prefix_.size() &&
        tok.compare(0, prefix_.size(), prefix_) == 0) {
      continuation_.Insert(std::string_view(tok).substr(prefix_.size()), static_cast<int32_t>(id));
    }
  }
  unk_id_ = vocab_.Find(unk_token_);
  if (unk_id_ < 0) {
    throw Error(ErrorCode::kModelLoadFailed,
                "WordPiece unk_token '" + unk_token_ + "' is not in the vocabulary");
  }
}

void WordPiece::Tokenize(std::string_view word, std::vector<WordPiecePiece>* out) const {
  const size_t n = word.size();
  const uint32_t whole_end = static_cast<uint32_t>(n);
  if (CountUtf8Chars(word) > max_chars_) {
    out->push_back({unk_id_, 0, whole_end});
    return;
  }
  const size_t first = out->size();
  const char* p = word.data();
  size_t start = 0;
  while (start < n) {
    // An empty prefix makes continuation pieces plain vocab entries (HF prepends "").
    const StringIdMap& map = (start == 0 || prefix_.empty()) ? vocab_ : continuation_;
    size_t end = n;
    const size_t limit = map.max_key_size();
    if (end - start > limit) {
      end = start + limit;
      while (end > start && (static_cast<unsigned char>(p[end]) & 0xC0) == 0x80) --end;
    }
    int32_t id = -1;
    while (end > start) {
      id = map.Find(std::string_view(p + start, end - start));
      if (id >= 0) break;
      --end;
      while (end > start && (static_cast<unsigned char>(p[end]) & 0xC0) == 0x80) --end;
    }
    if (id < 0) {
      out->resize(first);
      out->push_back({unk_id_, 0, whole_end});
      return;
    }
    out->push_back({id, static_cast<uint32_t>(start), static_cast<uint32_t>(end)});
    start = end;
  }
}

void AppendWordPieceDecoded(const std::string& token, bool first, const std::string& prefix,
                            bool cleanup, std::string* out) {
  std::string piece;
  if (first) {
    piece = token;
  } else if (!prefix.empty() && token.compare(0, prefix.size(), prefix) == 0) {
    piece = token.substr(prefix.size());
  } else {
    piece = " " + token;
  }
  *out += cleanup ? Cleanup(std::move(piece)) : piece;
}

}  // namespace dbn
