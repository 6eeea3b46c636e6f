// Loading: tokenizer.json, vocab.txt (+ tokenizer_config.json), or a directory holding them.
#include <sys/stat.h>

#include <cctype>
#include <exception>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/read_file.h"
#include "tokenizer/tokenizer_impl.h"

namespace dbn {
namespace {

using json = nlohmann::json;

// A tokenizer file of gigabytes is not a tokenizer: the largest BERT-family ones are a few MB.
std::string ReadFile(const std::string& path) { return ReadTextFile(path, kMaxTextFileBytes); }

// Parses after bounding nesting depth (deep JSON is recursion in the parser and destructor).
json ParseJson(const std::string& text, const std::string& path) {
  CheckJsonDepth(text.data(), text.data() + text.size(), path, ErrorCode::kModelLoadFailed);
  return json::parse(text);
}

// Exists as anything (a FIFO or a device too): the read then fails with a typed error
// instead of the file being skipped for another one. Never opens, so never blocks.
bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

// HF's default is 100; no word of a real text is longer than this many characters.
constexpr int64_t kMaxInputCharsPerWord = 1 << 20;

std::vector<TemplatePiece> ParseTemplate(const json& items, const json& specials,
                                         const std::string& path) {
  std::vector<TemplatePiece> out;
  for (const json& item : items) {
    TemplatePiece p;
    if (item.contains("Sequence")) {
      const json& s = item["Sequence"];
      p.is_sequence = true;
      p.sequence = s.value("id", std::string("A")) == "B" ? 1 : 0;
      p.type_id = s.value("type_id", 0);
    } else if (item.contains("SpecialToken")) {
      const json& s = item["SpecialToken"];
      const std::string name = s.at("id").get<std::string>();
      p.type_id = s.value("type_id", 0);
      if (!specials.contains(name)) {
        throw Error(ErrorCode::kModelLoadFailed,
                    path + ": template special token '" + name + "' is not defined");
      }
      p.ids = specials[name].at("ids").get<std::vector<int32_t>>();
      p.tokens = specials[name].at("tokens").get<std::vector<std::string>>();
      if (p.ids.size() != p.tokens.size()) {
        throw Error(ErrorCode::kModelLoadFailed, path + ": bad special token '" + name + "'");
      }
    } else {
      throw Error(ErrorCode::kModelLoadFailed, path + ": unknown template piece");
    }
    out.push_back(std::move(p));
  }
  return out;
}

TemplatePiece Special(const std::string& token, int32_t id, int32_t type_id) {
  TemplatePiece p;
  p.ids = {id};
  p.tokens = {token};
  p.type_id = type_id;
  return p;
}

TemplatePiece Sequence(int seq, int32_t type_id) {
  TemplatePiece p;
  p.is_sequence = true;
  p.sequence = seq;
  p.type_id = type_id;
  return p;
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::FromTokenizerJson(const std::string& path) {
  const std::string text = ReadFile(path);
  auto impl = std::make_unique<Impl>();
  try {
    const json j = ParseJson(text, path);
    const json& model = j.at("model");
    const std::string model_type = model.value("type", std::string("WordPiece"));
    if (model_type != "WordPiece") {
      throw Error(ErrorCode::kUnsupportedModel,
                  path + ": model type '" + model_type + "' is not supported (WordPiece only)");
    }
    std::vector<std::string> vocab;
    for (const auto& [token, id_json] : model.at("vocab").items()) {
      const int64_t id = id_json.get<int64_t>();
      if (id < 0 || id > 100000000) throw Error(ErrorCode::kModelLoadFailed, path + ": bad id");
      if (static_cast<size_t>(id) >= vocab.size()) vocab.resize(id + 1);
      vocab[id] = token;
    }
    auto str_or = [](const json& o, const char* key, const std::string& def) {
      return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : def;
    };
    const std::string unk = str_or(model, "unk_token", "[UNK]");
    const std::string prefix = str_or(model, "continuing_subword_prefix", "##");
    int max_chars = 100;
    if (model.contains("max_input_chars_per_word") && !model["max_input_chars_per_word"].is_null()) {
      const json& m = model["max_input_chars_per_word"];
      if (!m.is_number_integer() || m.get<int64_t>() < 1 || m.get<int64_t>() > kMaxInputCharsPerWord) {
        throw Error(ErrorCode::kUnsupportedModel,
                    path + ": model.max_input_chars_per_word must be an integer from 1 to " +
                        std::to_string(kMaxInputCharsPerWord) + ", got " +
                        (m.is_number() ? m.dump() : std::string("a ") + m.type_name()));
      }
      max_chars = static_cast<int>(m.get<int64_t>());
    }

    const json& norm = j.contains("normalizer") ? j["normalizer"] : json();
    if (norm.is_null()) {
      impl->has_normalizer = false;
    } else {
      const std::string type = norm.value("type", std::string());
      if (type != "BertNormalizer") {
        throw Error(ErrorCode::kUnsupportedModel,
                    path + ": normalizer '" + type + "' is not supported (BertNormalizer only)");
      }
      auto flag = [&](const char* key, bool def) {
        return norm.contains(key) && norm[key].is_boolean() ? norm[key].get<bool>() : def;
      };
      NormalizerOptions& o = impl->normalizer_options;
      o.clean_text = flag("clean_text", true);
      o.handle_chinese_chars = flag("handle_chinese_chars", true);
      o.lowercase = flag("lowercase", true);
      o.strip_accents = flag("strip_accents", o.lowercase);  // null follows lowercase
    }
    const json& pre = j.contains("pre_tokenizer") ? j["pre_tokenizer"] : json();
    if (pre.is_null() || pre.value("type", std::string()) != "BertPreTokenizer") {
      throw Error(ErrorCode::kUnsupportedModel,
                  path + ": only the BertPreTokenizer pre_tokenizer is supported");
    }

    std::vector<AddedToken> added;
    if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
      for (const json& t : j["added_tokens"]) {
        AddedToken a;
        a.content = t.at("content").get<std::string>();
        a.id = t.at("id").get<int32_t>();
        a.special = t.value("special", false);
        a.single_word = t.value("single_word", false);
        a.lstrip = t.value("lstrip", false);
        a.rstrip = t.value("rstrip", false);
        a.normalized = t.value("normalized", !a.special);
        added.push_back(std::move(a));
      }
    }

    const json& post = j.contains("post_processor") ? j["post_processor"] : json();
    if (post.is_null()) {
      impl->post.has_template = false;
    } else {
      const std::string type = post.value("type", std::string());
      if (type == "TemplateProcessing") {
        const json specials = post.value("special_tokens", json::object());
        impl->post.single = ParseTemplate(post.at("single"), specials, path);
        impl->post.pair = ParseTemplate(post.at("pair"), specials, path);
      } else if (type == "BertProcessing") {
        const json& cls = post.at("cls");
        const json& sep = post.at("sep");
        impl->SetBertTemplate(cls.at(0).get<std::string>(), cls.at(1).get<int32_t>(),
                        sep.at(0).get<std::string>(), sep.at(1).get<int32_t>());
      } else {
        throw Error(ErrorCode::kUnsupportedModel,
                    path + ": post_processor '" + type + "' is not supported");
      }
    }

    const json& dec = j.contains("decoder") ? j["decoder"] : json();
    if (dec.is_null()) {
      impl->decoder_wordpiece = false;
    } else if (dec.value("type", std::string()) == "WordPiece") {
      impl->decoder_prefix = str_or(dec, "prefix", "##");
      impl->decoder_cleanup = dec.value("cleanup", true);
    } else {
      throw Error(ErrorCode::kUnsupportedModel, path + ": only the WordPiece decoder is supported");
    }
    if (j.contains("padding") && j["padding"].is_object() && j["padding"].contains("pad_id")) {
      impl->pad = j["padding"]["pad_id"].get<int32_t>();
    }
    impl->Finish(vocab, std::move(added), unk, prefix, max_chars);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kModelLoadFailed, path + ": " + e.what());
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

// BERT template: [CLS] $A [SEP] / [CLS] $A [SEP] $B:1 [SEP]:1.
void Tokenizer::Impl::SetBertTemplate(const std::string& cls, int32_t cls_id,
                                      const std::string& sep, int32_t sep_id) {
  post.has_template = true;
  post.single = {Special(cls, cls_id, 0), Sequence(0, 0), Special(sep, sep_id, 0)};
  post.pair = {Special(cls, cls_id, 0), Sequence(0, 0), Special(sep, sep_id, 0), Sequence(1, 1),
          Special(sep, sep_id, 1)};
}

std::unique_ptr<Tokenizer::Impl> Tokenizer::Impl::FromVocab(
    const std::string& vocab_path, const TokenizerOptions& options,
    const std::vector<std::string>& specials) {
  if (options.max_input_chars_per_word < 1 || options.max_input_chars_per_word > kMaxInputCharsPerWord) {
    throw Error(ErrorCode::kInvalidArgument,
                "max_input_chars_per_word must be from 1 to " + std::to_string(kMaxInputCharsPerWord) +
                    ", got " + std::to_string(options.max_input_chars_per_word));
  }
  const std::string text = ReadFile(vocab_path);
  std::vector<std::string> vocab;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    vocab.push_back(std::move(line));
    pos = nl + 1;
  }
  auto impl = std::make_unique<Tokenizer::Impl>();
  impl->normalizer_options.lowercase = options.lowercase;
  impl->normalizer_options.strip_accents = options.strip_accents;
  impl->normalizer_options.clean_text = options.clean_text;
  impl->normalizer_options.handle_chinese_chars = options.handle_chinese_chars;
  impl->decoder_prefix = options.continuing_subword_prefix;
  impl->decoder_cleanup = options.decoder_cleanup;
  auto index_of = [&](const std::string& tok) -> int32_t {
    for (size_t i = 0; i < vocab.size(); ++i)
      if (vocab[i] == tok) return static_cast<int32_t>(i);
    return -1;
  };
  std::vector<AddedToken> added;
  for (const std::string& s : specials) {
    int32_t id = index_of(s);
    if (id < 0) continue;
    AddedToken a;
    a.content = s;
    a.id = id;
    a.special = true;
    added.push_back(std::move(a));
  }
  const int32_t cls_id = index_of(specials[2]);
  const int32_t sep_id = index_of(specials[3]);
  if (cls_id < 0 || sep_id < 0) {
    throw Error(ErrorCode::kModelLoadFailed,
                vocab_path + ": vocabulary has no " + specials[2] + " / " + specials[3]);
  }
  impl->SetBertTemplate(specials[2], cls_id, specials[3], sep_id);
  impl->Finish(vocab, std::move(added), options.unk_token, options.continuing_subword_prefix,
               options.max_input_chars_per_word);
  return impl;
}

std::unique_ptr<Tokenizer> Tokenizer::FromVocabTxt(const std::string& vocab_path,
                                                   const TokenizerOptions& options) {
  std::vector<std::string> specials = {"[PAD]", options.unk_token, "[CLS]", "[SEP]", "[MASK]"};
  return std::unique_ptr<Tokenizer>(new Tokenizer(Impl::FromVocab(vocab_path, options, specials)));
}

std::unique_ptr<Tokenizer> Tokenizer::FromPath(const std::string& path) {
  CheckPath(path, "the tokenizer path");
  auto ends_with = [&](const char* suffix) {
    const size_t n = std::char_traits<char>::length(suffix);
    return path.size() >= n && path.compare(path.size() - n, n, suffix) == 0;
  };
  if (ends_with(".json")) return FromTokenizerJson(path);
  if (ends_with(".txt")) {
    // vocab.txt given directly: read its directory's tokenizer_config.json, never a
    // tokenizer.json that happens to sit next to it.
    const size_t slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    return FromDirectoryVocab(dir, path);
  }
  return FromDirectory(path);
}

std::unique_ptr<Tokenizer> Tokenizer::FromDirectory(const std::string& dir) {
  CheckPath(dir, "the tokenizer path");
  const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  if (FileExists(base + "tokenizer.json")) return FromTokenizerJson(base + "tokenizer.json");
  const std::string vocab = base + "vocab.txt";
  if (!FileExists(vocab)) {
    throw Error(ErrorCode::kModelLoadFailed, dir + ": no tokenizer.json or vocab.txt");
  }
  return FromDirectoryVocab(dir, vocab);
}

std::unique_ptr<Tokenizer> Tokenizer::FromDirectoryVocab(const std::string& dir,
                                                         const std::string& vocab) {
  const std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  TokenizerOptions options;
  std::vector<std::string> specials = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  const std::string config_path = base + "tokenizer_config.json";
  if (FileExists(config_path)) {
    try {
      const json c = ParseJson(ReadFile(config_path), config_path);
      auto flag = [&](const char* key, bool def) {
        return c.contains(key) && c[key].is_boolean() ? c[key].get<bool>() : def;
      };
      options.lowercase = flag("do_lower_case", true);
      options.strip_accents = flag("strip_accents", options.lowercase);
      options.handle_chinese_chars = flag("tokenize_chinese_chars", true);
      options.decoder_cleanup = flag("clean_up_tokenization_spaces", true);
      const char* keys[] = {"pad_token", "unk_token", "cls_token", "sep_token", "mask_token"};
      for (int i = 0; i < 5; ++i) {
        if (c.contains(keys[i]) && c[keys[i]].is_string()) specials[i] = c[keys[i]].get<std::string>();
      }
      options.unk_token = specials[1];
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      throw Error(ErrorCode::kModelLoadFailed, config_path + ": " + e.what());
    }
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(Impl::FromVocab(vocab, options, specials)));
}

void Tokenizer::Impl::Finish(const std::vector<std::string>& vocab,
                             std::vector<AddedToken> added_tokens, const std::string& unk_token,
                             const std::string& prefix, int max_chars) {
  normalizer = std::make_unique<Normalizer>(normalizer_options);
  wordpiece = std::make_unique<WordPiece>(vocab, unk_token, prefix, max_chars);
  id_to_token = vocab;
  post.id_to_token = &id_to_token;
  // Added tokens extend the vocabulary (HF numbers them after it); an id far beyond would
  // allocate a table of that many strings.
  const size_t max_id = vocab.size() + added_tokens.size();
  for (AddedToken& t : added_tokens) {
    if (t.id < 0 || static_cast<size_t>(t.id) > max_id) {
      throw Error(ErrorCode::kUnsupportedModel,
                  "added token id " + std::to_string(t.id) + " is outside 0.." +
                      std::to_string(max_id) + " (vocabulary of " + std::to_string(vocab.size()) +
                      " plus " + std::to_string(added_tokens.size()) + " added tokens)");
    }
    if (static_cast<size_t>(t.id) >= id_to_token.size()) id_to_token.resize(t.id + 1);
    id_to_token[t.id] = t.content;
    if (t.normalized && has_normalizer) {
      NormalizedText n;
      normalizer->Normalize(t.content, 0, &n);
      t.content = n.text;
    }
    added.push_back(std::make_unique<AddedToken>(t));
  }
  const auto check_id = [&](int32_t id, const std::string& what) {
    if (id < 0 || static_cast<size_t>(id) >= id_to_token.size()) {
      throw Error(ErrorCode::kUnsupportedModel,
                  what + " has id " + std::to_string(id) + " but the vocabulary has " +
                      std::to_string(id_to_token.size()) + " tokens");
    }
  };
  for (const auto* pieces : {&post.single, &post.pair}) {
    for (const TemplatePiece& p : *pieces) {
      for (size_t i = 0; i < p.ids.size(); ++i) {
        check_id(p.ids[i], "template special token '" + (i < p.tokens.size() ? p.tokens[i] : "") + "'");
      }
    }
  }
  if (pad >= 0) check_id(pad, "padding.pad_id");
  is_special.assign(id_to_token.size(), 0);
  for (const auto& t : added) {
    if (t->special) is_special[t->id] = 1;
    (t->normalized && has_normalizer ? normalized_matcher : raw_matcher).Add(t.get());
  }
  unk = wordpiece->unk_id();
  auto find = [&](const std::string& tok) {
    for (const auto& t : added)
      if (id_to_token[t->id] == tok) return t->id;
    return wordpiece->TokenToId(tok);
  };
  // cls/sep come from the template where there is one (first/last special of `single`).
  for (const TemplatePiece& p : post.single) {
    if (p.is_sequence || p.ids.empty()) continue;
    if (cls < 0) cls = p.ids.front();
    sep = p.ids.back();
  }
  if (cls < 0) cls = find("[CLS]");
  if (sep < 0) sep = find("[SEP]");
  if (pad < 0) pad = find("[PAD]");
  mask_token_str = "[MASK]";
  mask = find(mask_token_str);
  if (mask < 0) {
    for (const auto& t : added) {
      std::string lower = id_to_token[t->id];
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (t->special && lower.find("mask") != std::string::npos) {
        mask = t->id;
        mask_token_str = id_to_token[t->id];
        break;
      }
    }
  }
  if (mask < 0) mask_token_str.clear();
}

}  // namespace dbn
