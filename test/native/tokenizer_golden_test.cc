// Golden parity test for dbn::Tokenizer against the Hugging Face tokenizers oracle.
// Usage: tokenizer_golden_test [data_dir]   (default ../shared/data/distilbert-base-uncased)
// Checks every vector of golden/hf_tokenizers_vectors.json and golden/published_vectors.json
// with tokenizer.json, and the single-sequence vectors again with the vocab.txt loader.
// Prints failures (first 20 in full) and a final line "N passed, N failed".
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "tokenizer/tokenizer.h"

namespace {

using json = nlohmann::json;

int g_passed = 0;
int g_failed = 0;

json Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str());
}

// JSON escaping keeps control chars and odd whitespace readable in failure messages.
std::string Show(const json& j) { return j.dump(-1, ' ', true, json::error_handler_t::replace); }

void Check(bool ok, const std::string& what, const std::string& input, const json& expected,
           const json& got) {
  if (ok) {
    ++g_passed;
    return;
  }
  ++g_failed;
  if (g_failed <= 20) {
    std::cout << "FAIL " << what << "\n  input:    " << Show(input)
              << "\n  expected: " << Show(expected) << "\n  got:      " << Show(got) << "\n";
  } else if (g_failed == 21) {
    std::cout << "(further failures not printed in full)\n";
  }
}

template <typename T>
void CheckEq(const std::string& what, const std::string& input, const json& expected,
             const T& got_value) {
  json got = got_value;
  Check(expected == got, what, input, expected, got);
}

// null for -1, as the oracle writes word_ids / sequence_ids of special tokens.
json NullableIds(const std::vector<int32_t>& v) {
  json out = json::array();
  for (int32_t x : v) out.push_back(x < 0 ? json() : json(x));
  return out;
}

json Offsets(const std::vector<std::pair<uint32_t, uint32_t>>& v) {
  json out = json::array();
  for (const auto& p : v) out.push_back({p.first, p.second});
  return out;
}

// Byte offset -> code-point index in s.
uint32_t CodepointIndex(const std::string& s, uint32_t byte) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < byte && i < s.size(); ++i) {
    n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  }
  return n;
}

json CodepointOffsets(const dbn::Encoding& e, const std::string& a, const std::string& b) {
  json out = json::array();
  for (size_t i = 0; i < e.offsets.size(); ++i) {
    const std::string& s = e.sequence_ids[i] == 1 ? b : a;
    out.push_back({CodepointIndex(s, e.offsets[i].first), CodepointIndex(s, e.offsets[i].second)});
  }
  return out;
}

bool Consistent(const dbn::Encoding& e) {
  const size_t n = e.ids.size();
  return e.tokens.size() == n && e.type_ids.size() == n && e.special_tokens_mask.size() == n &&
         e.attention_mask.size() == n && e.word_ids.size() == n && e.sequence_ids.size() == n &&
         e.offsets.size() == n;
}

void CheckEncoding(const std::string& label, const std::string& input, const json& exp,
                   const dbn::Encoding& e, const std::string& a, const std::string& b) {
  Check(Consistent(e), label + " field lengths", input, json("all equal"), json("differ"));
  CheckEq(label + " ids", input, exp["ids"], e.ids);
  CheckEq(label + " tokens", input, exp["tokens"], e.tokens);
  CheckEq(label + " type_ids", input, exp["type_ids"], e.type_ids);
  CheckEq(label + " attention_mask", input, exp["attention_mask"], e.attention_mask);
  CheckEq(label + " special_tokens_mask", input, exp["special_tokens_mask"],
          e.special_tokens_mask);
  Check(exp["sequence_ids"] == NullableIds(e.sequence_ids), label + " sequence_ids", input,
        exp["sequence_ids"], NullableIds(e.sequence_ids));
  Check(exp["word_ids"] == NullableIds(e.word_ids), label + " word_ids", input, exp["word_ids"],
        NullableIds(e.word_ids));
  Check(exp["offsets_utf8"] == Offsets(e.offsets), label + " offsets_utf8", input,
        exp["offsets_utf8"], Offsets(e.offsets));
  if (exp.contains("offsets_codepoints")) {
    json cp = CodepointOffsets(e, a, b);
    Check(exp["offsets_codepoints"] == cp, label + " offsets_codepoints", input,
          exp["offsets_codepoints"], cp);
  }
}

// settings: {truncation: {maxLength, options: {strategy, stride}}, padding: {maxLength?, padId,
// padTypeId, padToken}, batch?}, as the npm oracle's setTruncation / setPadding take them.
dbn::EncodeOptions ScenarioOptions(const json& settings) {
  dbn::EncodeOptions o;
  if (settings.contains("truncation")) {
    const json& t = settings["truncation"];
    dbn::TruncationParams p;
    p.max_length = t["maxLength"].get<size_t>();
    const json opts = t.value("options", json::object());
    p.stride = opts.value("stride", 0);
    const std::string strategy = opts.value("strategy", std::string("LongestFirst"));
    p.strategy = strategy == "OnlyFirst"    ? dbn::TruncationStrategy::kOnlyFirst
                 : strategy == "OnlySecond" ? dbn::TruncationStrategy::kOnlySecond
                                            : dbn::TruncationStrategy::kLongestFirst;
    o.truncation = p;
  }
  if (settings.contains("padding")) {
    const json& t = settings["padding"];
    dbn::PaddingParams p;
    p.to_longest = !t.contains("maxLength");
    p.length = t.value("maxLength", 0);
    p.pad_id = t.value("padId", 0);
    p.pad_type_id = t.value("padTypeId", 0);
    p.pad_token = t.value("padToken", std::string("[PAD]"));
    o.padding = p;
  }
  return o;
}

void RunScenario(const dbn::Tokenizer& tok, const json& s, const std::string& tag) {
  const std::string name = tag + "scenario '" + s["name"].get<std::string>() + "'";
  const dbn::EncodeOptions options = ScenarioOptions(s["settings"]);
  std::vector<std::string> texts, pairs;
  std::vector<dbn::BatchInput> batch;
  for (const json& r : s["results"]) {
    texts.push_back(r["text"]);
    pairs.push_back(r["text_pair"].is_null() ? "" : r["text_pair"].get<std::string>());
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    batch.push_back({texts[i], pairs[i], !s["results"][i]["text_pair"].is_null()});
  }
  std::vector<dbn::Encoding> got;
  if (s["settings"].value("batch", false)) {
    got = tok.EncodeBatch(batch, options, 2);
  } else {
    for (const dbn::BatchInput& in : batch) {
      got.push_back(in.has_pair ? tok.EncodePair(in.text, in.pair, options)
                                : tok.Encode(in.text, options));
    }
  }
  for (size_t i = 0; i < got.size(); ++i) {
    const json& exp = s["results"][i];
    const std::string input = batch[i].has_pair ? texts[i] + " ||| " + pairs[i] : texts[i];
    CheckEncoding(name, input, exp, got[i], texts[i], pairs[i]);
    const json overflow = exp.value("overflowing", json::array());
    CheckEq(name + " overflowing count", input, json(overflow.size()), got[i].overflowing.size());
    for (size_t k = 0; k < overflow.size() && k < got[i].overflowing.size(); ++k) {
      CheckEncoding(name + " overflowing[" + std::to_string(k) + "]", input, overflow[k],
                    got[i].overflowing[k], texts[i], pairs[i]);
    }
  }
}

void RunHfVectors(const dbn::Tokenizer& tok, const json& d, const std::string& tag,
                  bool full) {
  for (const json& c : d["single"]) {
    const std::string text = c["text"];
    dbn::Encoding e = tok.Encode(text, true);
    CheckEncoding(tag + "single", text, c["with_special_tokens"], e, text, "");
    dbn::Encoding plain = tok.Encode(text, false);
    CheckEq(tag + "single ids_without_special_tokens", text, c["ids_without_special_tokens"],
            plain.ids);
  }
  if (!full) return;
  for (const json& c : d["pairs"]) {
    const std::string a = c["text"], b = c["text_pair"];
    dbn::Encoding e = tok.EncodePair(a, b, true);
    CheckEncoding(tag + "pair", a + " ||| " + b, c, e, a, b);
  }
  for (const json& c : d["decode"]) {
    std::vector<int32_t> ids = c["ids"];
    CheckEq(tag + "decode skip_special", Show(c["ids"]), c["decode_skip_special"],
            tok.Decode(ids, true));
    CheckEq(tag + "decode keep_special", Show(c["ids"]), c["decode_keep_special"],
            tok.Decode(ids, false));
  }
  for (const json& s : d["scenarios"]) RunScenario(tok, s, tag);
}

// transformers' PreTrainedTokenizerBase.clean_up_tokenization (no " do not" rule).
std::string TransformersCleanup(std::string s) {
  const char* kRules[][2] = {{" .", "."},    {" ?", "?"},     {" !", "!"},   {" ,", ","},
                             {" ' ", "'"},   {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"},
                             {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& rule : kRules) {
    const std::string from = rule[0], to = rule[1];
    std::string out;
    size_t pos = 0;
    for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
      out.append(s, pos, hit - pos);
      out += to;
    }
    out.append(s, pos, std::string::npos);
    s = out;
  }
  return s;
}

void RunPublished(const dbn::Tokenizer& tok, const json& d) {
  for (const json& c : d["cases"]) {
    const std::string text = c["text"];
    const bool has_pair = c.contains("text_pair") && !c["text_pair"].is_null();
    const std::string pair = has_pair ? c["text_pair"].get<std::string>() : "";
    const bool add_special = c.value("add_special_tokens", true);
    const std::string input = has_pair ? text + " ||| " + pair : text;
    dbn::Encoding e = has_pair ? tok.EncodePair(text, pair, add_special)
                               : tok.Encode(text, add_special);
    const std::string label = "published[" + Show(c["source"].value("repo", json(""))) + "]";
    CheckEq(label + " ids vs oracle", input, c["hf_tokenizers_ids"], e.ids);
    // Only compare against what the source publishes where the oracle agrees with it.
    if (c.contains("expected_ids") && c.value("match_ids", false)) {
      CheckEq(label + " expected_ids", input, c["expected_ids"], e.ids);
    }
    if (c.contains("expected_tokens") && c.value("match_tokens", false)) {
      CheckEq(label + " expected_tokens", input, c["expected_tokens"], e.tokens);
    }
    if (c.contains("expected_tokens_without_specials") && c.value("match_tokens", false)) {
      std::vector<std::string> toks;
      for (size_t i = 0; i < e.tokens.size(); ++i) {
        if (!e.special_tokens_mask[i]) toks.push_back(e.tokens[i]);
      }
      CheckEq(label + " expected_tokens_without_specials", input,
              c["expected_tokens_without_specials"], toks);
    }
    if (c.contains("expected_offsets") && c.value("match_offsets", false)) {
      json cp = CodepointOffsets(e, text, pair);
      Check(c["expected_offsets"] == cp, label + " expected_offsets (code points)", input,
            c["expected_offsets"], cp);
    }
    if (c.contains("expected_decoded")) {
      // transformers / transformers.js run clean_up_tokenization over the whole decoded
      // string after the Rust decoder (which cleans token by token); the published strings
      // include that second pass.
      CheckEq(label + " expected_decoded (+ transformers clean_up_tokenization)", input,
              c["expected_decoded"],
              TransformersCleanup(tok.Decode(c["expected_ids"].get<std::vector<int32_t>>(), false)));
    }
  }
}

// Invalid UTF-8 must give a defined result (U+FFFD, dropped by clean_text), never a crash.
void RunRobustness(const dbn::Tokenizer& tok) {
  const std::string cases[] = {"a\xff" "b", "\xc3", "\xe2\x82", "\xed\xa0\x80x", "\xc0\xaf",
                               "\xf4\x90\x80\x80", std::string("a\0b", 3), "\x80\x80\x80"};
  for (const std::string& s : cases) {
    dbn::Encoding e = tok.Encode(s, true);
    bool ok = Consistent(e) && e.ids.size() >= 2;
    for (const auto& o : e.offsets) ok = ok && o.first <= o.second && o.second <= s.size();
    Check(ok, "invalid UTF-8 gives consistent encoding", s, json("consistent"),
          json(e.ids));
  }
  dbn::Encoding e = tok.Encode("a\xff" "b", false);
  CheckEq("invalid byte behaves like U+FFFD", "a\\xffb", json(tok.Encode("a\uFFFDb", false).ids),
          e.ids);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = argc > 1 ? argv[1] : "../shared/data/distilbert-base-uncased";
  try {
    const json hf = Load(dir + "/golden/hf_tokenizers_vectors.json");
    const json published = Load(dir + "/golden/published_vectors.json");

    auto tok = dbn::Tokenizer::FromTokenizerJson(dir + "/tokenizer.json");
    RunHfVectors(*tok, hf, "", true);
    RunPublished(*tok, published);
    RunRobustness(*tok);

    auto from_dir = dbn::Tokenizer::FromDirectory(dir);
    CheckEq("FromDirectory picks tokenizer.json", dir, json(30522), from_dir->vocab_size());

    // vocab.txt + BERT defaults must behave the same on the single-sequence vectors.
    dbn::TokenizerOptions options;
    auto vtok = dbn::Tokenizer::FromVocabTxt(dir + "/vocab.txt", options);
    RunHfVectors(*vtok, hf, "vocab.txt ", false);

    CheckEq("cls_id", "", json(101), tok->cls_id());
    CheckEq("sep_id", "", json(102), tok->sep_id());
    CheckEq("pad_id", "", json(0), tok->pad_id());
    CheckEq("unk_id", "", json(100), tok->unk_id());
    CheckEq("mask_id", "", json(103), tok->mask_id());
    CheckEq("mask_token", "", json("[MASK]"), tok->mask_token());
    CheckEq("TokenToId", "hello", json(7592), tok->TokenToId("hello"));
    CheckEq("TokenToId absent", "zzzzzq", json(-1), tok->TokenToId("zzzzzq"));
    CheckEq("IsSpecial [MASK]", "", json(true), tok->IsSpecial(103));
    CheckEq("IsSpecial hello", "", json(false), tok->IsSpecial(7592));
    bool threw = false;
    try {
      tok->IdToToken(30522);
    } catch (const dbn::Error& err) {
      threw = err.code() == dbn::ErrorCode::kInvalidArgument;
    }
    Check(threw, "IdToToken out of range throws kInvalidArgument", "30522", json(true),
          json(threw));
    threw = false;
    try {
      dbn::Tokenizer::FromDirectory("/nonexistent-dir");
    } catch (const dbn::Error& err) {
      threw = err.code() == dbn::ErrorCode::kModelLoadFailed;
    }
    Check(threw, "missing directory throws kModelLoadFailed", "/nonexistent-dir", json(true),
          json(threw));
  } catch (const std::exception& e) {
    std::cout << "ERROR: " << e.what() << "\n";
    ++g_failed;
  }
  std::cout << g_passed << " passed, " << g_failed << " failed\n";
  return g_failed == 0 ? 0 : 1;
}
