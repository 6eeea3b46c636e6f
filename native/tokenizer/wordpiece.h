// WordPiece model: greedy longest-match-first, as in Hugging Face tokenizers
// (models/wordpiece). Lookups go through an open-addressing table keyed by string_view so
// the hot loop never allocates; continuation pieces are looked up without their prefix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dbn {

// Immutable string -> id map over a private byte pool.
class StringIdMap {
 public:
  void Insert(std::string_view key, int32_t id);  // first insertion of a key wins
  int32_t Find(std::string_view key) const;       // -1 when absent
  size_t max_key_size() const { return max_key_size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint32_t size = 0;
    int32_t id = -1;  // -1: empty
  };
  void Grow();

  std::string pool_;
  std::vector<Slot> slots_;
  size_t count_ = 0;
  size_t max_key_size_ = 0;
};

struct WordPiecePiece {
  int32_t id;
  uint32_t begin;  // byte offsets within the word
  uint32_t end;
};

class WordPiece {
 public:
  // vocab[i] is the token of id i (empty strings are holes and never match).
  WordPiece(const std::vector<std::string>& vocab, const std::string& unk_token,
            const std::string& continuing_subword_prefix, int max_input_chars_per_word);

  // Appends the pieces of one pre-tokenized word (non-empty UTF-8) to *out. A word with
  // more than max_input_chars_per_word chars, or with a part no vocab entry matches,
  // becomes a single unk piece spanning the whole word.
  void Tokenize(std::string_view word, std::vector<WordPiecePiece>* out) const;

  int32_t TokenToId(std::string_view token) const { return vocab_.Find(token); }
  int32_t unk_id() const { return unk_id_; }
  const std::string& unk_token() const { return unk_token_; }
  const std::string& prefix() const { return prefix_; }

 private:
  StringIdMap vocab_;         // every entry, as written
  StringIdMap continuation_;  // entries that start with prefix_, keyed without it
  std::string unk_token_;
  std::string prefix_;
  int32_t unk_id_ = -1;
  size_t max_chars_;
};

// HF WordPiece decoder, one token at a time: every token but the first loses the prefix
// or else gains a leading space; with cleanup, the tokenization-space replacements
// (" ." -> ".", " n't" -> "n't", ...) are then applied to that token alone.
void AppendWordPieceDecoded(const std::string& token, bool first, const std::string& prefix,
                            bool cleanup, std::string* out);

}  // namespace dbn
