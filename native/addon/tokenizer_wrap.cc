#include "addon/tokenizer_wrap.h"

#include <algorithm>

#include "addon/addon_data.h"
#include "addon/convert.h"
#include "common/core_count.h"

namespace dbn::addon {
namespace {

class LoadTokenizerWorker : public Napi::AsyncWorker {
 public:
  LoadTokenizerWorker(Napi::Env env, std::string path)
      : Napi::AsyncWorker(env, "distilbert-native.loadTokenizer"),
        deferred_(Napi::Promise::Deferred::New(env)),
        error_(Napi::Persistent(Napi::Error::New(env, "").Value())),
        path_(std::move(path)) {}
  Napi::Promise promise() const { return deferred_.Promise(); }

  void Execute() override {
    try {
      tokenizer_ = Tokenizer::FromPath(path_);
    } catch (...) {
      const Error e = TranslateStdException(std::current_exception());
      code_ = ErrorCodeName(e.code());
      SetError(e.what());
    }
  }
  void OnOK() override {
    deferred_.Resolve(TokenizerWrap::NewInstance(Env(), std::move(tokenizer_)));
  }
  void OnError(const Napi::Error& e) override {
    Napi::Object error = error_.Value();
    error.Set("message", e.Message());
    error.Set("code", code_);
    deferred_.Reject(error);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference error_;  // made before going async: keeps the caller's stack
  std::string path_;
  std::string code_;
  std::unique_ptr<Tokenizer> tokenizer_;
};

bool WantTokens(const Napi::Value& options) {
  if (!options.IsObject()) return true;
  Napi::Value v = options.As<Napi::Object>().Get("tokens");
  return v.IsUndefined() || v.ToBoolean();
}

// Options arrive already validated by lib/Tokenizer.ts; these checks keep the native
// contract safe when it is called directly.
size_t SizeField(Napi::Env env, const Napi::Object& o, const char* key, size_t def,
                 const char* where) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return def;
  const double n = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(n >= 0 && n <= 1e9) || n != static_cast<double>(static_cast<size_t>(n))) {
    ThrowInvalid(env, std::string("Expected a non-negative integer for ") + where + "." + key);
  }
  return static_cast<size_t>(n);
}

std::string StringField(Napi::Env env, const Napi::Object& o, const char* key,
                        const std::string& def, const char* where) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return def;
  if (!v.IsString()) ThrowInvalid(env, std::string("Expected a string for ") + where + "." + key);
  return v.As<Napi::String>().Utf8Value();
}

Side SideField(Napi::Env env, const Napi::Object& o, const char* where) {
  const std::string d = StringField(env, o, "direction", "right", where);
  if (d != "right" && d != "left") {
    ThrowInvalid(env, std::string("Expected 'right' or 'left' for ") + where + ".direction");
  }
  return d == "left" ? Side::kLeft : Side::kRight;
}

EncodeOptions OptionsFrom(Napi::Env env, const Tokenizer& tok, const Napi::Value& value,
                          bool add_special) {
  EncodeOptions options;
  options.add_special_tokens = add_special;
  options.with_tokens = WantTokens(value);
  if (!value.IsObject()) return options;
  const auto o = value.As<Napi::Object>();
  Napi::Value t = o.Get("truncation");
  if (t.IsObject()) {
    const auto to = t.As<Napi::Object>();
    TruncationParams p;
    p.max_length = SizeField(env, to, "maxLength", 512, "truncation");
    p.stride = SizeField(env, to, "stride", 0, "truncation");
    const std::string s = StringField(env, to, "strategy", "longest_first", "truncation");
    if (s == "longest_first") p.strategy = TruncationStrategy::kLongestFirst;
    else if (s == "only_first") p.strategy = TruncationStrategy::kOnlyFirst;
    else if (s == "only_second") p.strategy = TruncationStrategy::kOnlySecond;
    else ThrowInvalid(env, "Expected 'longest_first', 'only_first' or 'only_second' for truncation.strategy");
    p.direction = SideField(env, to, "truncation");
    options.truncation = p;
  }
  Napi::Value pad = o.Get("padding");
  if (pad.IsObject()) {
    const auto po = pad.As<Napi::Object>();
    PaddingParams p;
    Napi::Value len = po.Get("length");
    p.to_longest = len.IsUndefined() || len.IsNull();
    p.length = SizeField(env, po, "length", 0, "padding");
    p.multiple_of = SizeField(env, po, "multipleOf", 0, "padding");
    p.direction = SideField(env, po, "padding");
    const int32_t default_pad = std::max(tok.pad_id(), 0);
    p.pad_id = static_cast<int32_t>(SizeField(env, po, "padId", default_pad, "padding"));
    p.pad_type_id = static_cast<int32_t>(SizeField(env, po, "padTypeId", 0, "padding"));
    const std::string def_token =
        p.pad_id < tok.vocab_size() ? tok.IdToToken(p.pad_id) : std::string("[PAD]");
    p.pad_token = StringField(env, po, "padToken", def_token, "padding");
    options.padding = p;
  }
  return options;
}

// utf16[i] = UTF-16 code units before UTF-8 byte i. JS strings reach C++ through
// Utf8Value(), which turns each lone surrogate into U+FFFD: 3 bytes, 1 code unit, so the
// count matches the JS string's indices exactly.
void Utf16Index(const std::string& s, std::vector<uint32_t>* idx) {
  idx->resize(s.size() + 1);
  uint32_t units = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  uint32_t* out = idx->data();
  for (size_t i = 0; i < s.size(); ++i) {
    out[i] = units;
    const unsigned char c = p[i];
    // Lead bytes count one unit, 4-byte leads two; continuation bytes none.
    units += (c & 0xC0) != 0x80 ? (c >= 0xF0 ? 2 : 1) : 0;
  }
  out[s.size()] = units;
}

}  // namespace

Napi::Object TokenizerWrap::ToJs(Napi::Env env, const Encoding& e, const std::string& text,
                                 const std::string& pair, bool with_tokens) const {
  const size_t n = e.ids.size();
  auto obj = Napi::Object::New(env);
  obj.Set("ids", ToInt32Array(env, e.ids));
  if (with_tokens) {
    // Making a JS string per token is most of the conversion cost; lib/Tokenizer.ts asks for
    // none and maps ids through its cached vocab() instead.
    auto tokens = Napi::Array::New(env, n);
    for (size_t i = 0; i < n; ++i) tokens.Set(static_cast<uint32_t>(i), e.tokens[i]);
    obj.Set("tokens", tokens);
  }
  obj.Set("typeIds", ToInt32Array(env, e.type_ids));
  obj.Set("wordIds", ToInt32Array(env, e.word_ids));
  obj.Set("sequenceIds", ToInt32Array(env, e.sequence_ids));
  auto special = Napi::Uint8Array::New(env, n);
  auto attention = Napi::Uint8Array::New(env, n);
  std::copy(e.special_tokens_mask.begin(), e.special_tokens_mask.end(), special.Data());
  std::copy(e.attention_mask.begin(), e.attention_mask.end(), attention.Data());
  obj.Set("specialTokensMask", special);
  obj.Set("attentionMask", attention);
  thread_local std::vector<uint32_t> idx_a, idx_b;
  Utf16Index(text, &idx_a);
  Utf16Index(pair, &idx_b);
  auto offsets = Napi::Uint32Array::New(env, 2 * n);
  uint32_t* out = offsets.Data();
  for (size_t i = 0; i < n; ++i) {
    const auto& idx = e.sequence_ids[i] == 1 ? idx_b : idx_a;
    const size_t last = idx.size() - 1;
    out[2 * i] = idx[std::min<size_t>(e.offsets[i].first, last)];
    out[2 * i + 1] = idx[std::min<size_t>(e.offsets[i].second, last)];
  }
  obj.Set("offsets", offsets);
  if (!e.overflowing.empty()) {
    auto over = Napi::Array::New(env, e.overflowing.size());
    for (size_t i = 0; i < e.overflowing.size(); ++i) {
      over.Set(static_cast<uint32_t>(i), ToJs(env, e.overflowing[i], text, pair, with_tokens));
    }
    obj.Set("overflowing", over);
  }
  return obj;
}

Napi::Function TokenizerWrap::Define(Napi::Env env) {
  return DefineClass(env, "Tokenizer",
                     {InstanceMethod<&TokenizerWrap::Encode>("encode"),
                      InstanceMethod<&TokenizerWrap::EncodeBatch>("encodeBatch"),
                      InstanceMethod<&TokenizerWrap::EncodeIds>("encodeIds"),
                      InstanceMethod<&TokenizerWrap::Decode>("decode"),
                      InstanceMethod<&TokenizerWrap::DecodeFilled>("decodeFilled"),
                      InstanceMethod<&TokenizerWrap::TokenToId>("tokenToId"),
                      InstanceMethod<&TokenizerWrap::IdToToken>("idToToken"),
                      InstanceMethod<&TokenizerWrap::Vocab>("vocab"),
                      InstanceAccessor<&TokenizerWrap::Info>("info")});
}

Napi::Object TokenizerWrap::NewInstance(Napi::Env env, std::shared_ptr<const Tokenizer> tokenizer) {
  auto holder = Napi::External<std::shared_ptr<const Tokenizer>>::New(
      env, new std::shared_ptr<const Tokenizer>(std::move(tokenizer)),
      [](Napi::Env, std::shared_ptr<const Tokenizer>* p) { delete p; });
  return AddonData::Of(env)->tokenizer_ctor.New({holder});
}

TokenizerWrap::TokenizerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TokenizerWrap>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) {
    ThrowInvalid(info.Env(), "Tokenizer cannot be constructed directly; use loadTokenizer(path)");
  }
  tokenizer_ = *info[0].As<Napi::External<std::shared_ptr<const Tokenizer>>>().Data();
  // A small JS object over a vocabulary's tables: about 100 bytes of native memory per token
  // (measured: 100 loads of a 30,522-token tokenizer.json grow RSS by 3 MB each until GC). V8 is
  // told, or it sees no pressure and thousands of them wait for a collection.
  reported_bytes_ = static_cast<int64_t>(tokenizer_->vocab_size()) * 100;
  Napi::MemoryManagement::AdjustExternalMemory(info.Env(), reported_bytes_);
}

TokenizerWrap::~TokenizerWrap() { ReturnReportedMemory(Env()); }

void TokenizerWrap::ReturnReportedMemory(napi_env env) {
  // Raw call: finalizers also run during environment teardown, where a throw would terminate.
  int64_t ignored = 0;
  if (reported_bytes_ != 0) napi_adjust_external_memory(env, -reported_bytes_, &ignored);
  reported_bytes_ = 0;
}

Napi::Value TokenizerWrap::Load(const Napi::CallbackInfo& info) {
  auto* worker = new LoadTokenizerWorker(info.Env(), StringArg(info, 0, "path"));
  Napi::Promise promise = worker->promise();
  worker->Queue();  // the worker deletes itself after OnOK/OnError
  return promise;
}

Napi::Value TokenizerWrap::Encode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string text = StringArg(info, 0, "text");
  const bool has_pair = info.Length() > 1 && info[1].IsString();
  const std::string pair = has_pair ? info[1].As<Napi::String>().Utf8Value() : std::string();
  const bool add_special = info.Length() < 3 || info[2].ToBoolean();
  const EncodeOptions options =
      OptionsFrom(env, Live(env), info.Length() > 3 ? info[3] : env.Undefined(), add_special);
  try {
    Encoding e = has_pair ? Live(env).EncodePair(text, pair, options)
                          : Live(env).Encode(text, options);
    return ToJs(env, e, text, pair, WantTokens(info.Length() > 3 ? info[3] : env.Undefined()));
  } catch (const Error& e) {
    ThrowError(env, e);
  }
}

// The arguments of encodeBatch and encodeIds: (texts, addSpecialTokens, options).
struct TokenizerWrap::BatchArgs {
  std::vector<std::string> texts, pairs;
  std::vector<BatchInput> inputs;
  EncodeOptions options;
  int threads = 1;
};

TokenizerWrap::BatchArgs TokenizerWrap::ReadBatch(const Napi::CallbackInfo& info) const {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) ThrowInvalid(env, "Expected an array of strings for texts");
  auto texts_js = info[0].As<Napi::Array>();
  const bool add_special = info.Length() < 2 || info[1].ToBoolean();
  const Napi::Value opts = info.Length() > 2 ? info[2] : env.Undefined();
  BatchArgs args;
  args.options = OptionsFrom(env, Live(env), opts, add_special);
  const uint32_t n = texts_js.Length();
  Napi::Value pairs_v = opts.IsObject() ? opts.As<Napi::Object>().Get("pairs") : env.Undefined();
  const bool has_pairs = pairs_v.IsArray();
  if (!has_pairs && !pairs_v.IsUndefined() && !pairs_v.IsNull()) {
    ThrowInvalid(env, "Expected an array of strings or nulls for options.pairs");
  }
  if (has_pairs && pairs_v.As<Napi::Array>().Length() != n) {
    ThrowInvalid(env, "Expected options.pairs to have one entry per text");
  }
  size_t threads = static_cast<size_t>(CoreCount());
  if (opts.IsObject()) threads = SizeField(env, opts.As<Napi::Object>(), "threads", threads, "options");
  // The strings are copied into native memory here, on the JS thread; workers only see these.
  args.texts.resize(n);
  args.pairs.resize(has_pairs ? n : 0);
  args.inputs.resize(n);
  size_t bytes = 0;
  for (uint32_t i = 0; i < n; ++i) {
    Napi::Value v = texts_js.Get(i);
    if (!v.IsString()) ThrowInvalid(env, "Expected a string for texts[" + std::to_string(i) + "]");
    args.texts[i] = v.As<Napi::String>().Utf8Value();
    bytes += args.texts[i].size();
    if (has_pairs) {
      Napi::Value p = pairs_v.As<Napi::Array>().Get(i);
      if (p.IsString()) {
        args.pairs[i] = p.As<Napi::String>().Utf8Value();
        args.inputs[i].has_pair = true;
        bytes += args.pairs[i].size();
      } else if (!p.IsNull() && !p.IsUndefined()) {
        ThrowInvalid(env, "Expected a string or null for options.pairs[" + std::to_string(i) + "]");
      }
    }
  }
  for (uint32_t i = 0; i < n; ++i) {
    args.inputs[i].text = args.texts[i];
    if (args.inputs[i].has_pair) args.inputs[i].pair = args.pairs[i];
  }
  // Starting threads costs tens of microseconds each: not worth it for a few short texts.
  constexpr size_t kBytesPerThread = 32 * 1024;
  args.threads = static_cast<int>(std::min(threads, std::max<size_t>(1, bytes / kBytesPerThread)));
  return args;
}

Napi::Value TokenizerWrap::EncodeBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BatchArgs args = ReadBatch(info);
  try {
    const std::vector<Encoding> encodings = Live(env).EncodeBatch(args.inputs, args.options, args.threads);
    const uint32_t n = static_cast<uint32_t>(encodings.size());
    auto out = Napi::Array::New(env, n);
    static const std::string kEmpty;
    for (uint32_t i = 0; i < n; ++i) {
      out.Set(i, ToJs(env, encodings[i], args.texts[i], args.pairs.empty() ? kEmpty : args.pairs[i],
                      args.options.with_tokens));
    }
    return out;
  } catch (const Error& e) {
    ThrowError(env, e);
  }
}

Napi::Value TokenizerWrap::EncodeIds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  BatchArgs args = ReadBatch(info);
  args.options.with_tokens = false;
  try {
    const std::vector<Encoding> encodings = Live(env).EncodeBatch(args.inputs, args.options, args.threads);
    size_t total = 0;
    for (const Encoding& e : encodings) total += e.ids.size();
    auto ids = Napi::Int32Array::New(env, total);
    auto lengths = Napi::Int32Array::New(env, encodings.size());
    int32_t* out = ids.Data();
    for (size_t i = 0; i < encodings.size(); ++i) {
      out = std::copy(encodings[i].ids.begin(), encodings[i].ids.end(), out);
      lengths[i] = static_cast<int32_t>(encodings[i].ids.size());
    }
    auto o = Napi::Object::New(env);
    o.Set("ids", ids);
    o.Set("lengths", lengths);
    return o;
  } catch (const Error& e) {
    ThrowError(env, e);
  }
}

Napi::Value TokenizerWrap::DecodeFilled(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<int32_t> ids = Int32ArrayArg(info, 0, "ids", false);
  const int32_t position = IntArg(info, 1, "position");
  const std::vector<int32_t> candidates = Int32ArrayArg(info, 2, "candidates", false);
  const bool skip = info.Length() < 4 || info[3].ToBoolean();
  if (position < 0) ThrowInvalid(env, "Expected a non-negative integer for position");
  try {
    const std::vector<std::string> texts =
        Live(env).DecodeFilled(ids, static_cast<size_t>(position), candidates, skip);
    auto out = Napi::Array::New(env, texts.size());
    for (size_t i = 0; i < texts.size(); ++i) out.Set(static_cast<uint32_t>(i), texts[i]);
    return out;
  } catch (const Error& e) {
    ThrowError(env, e);
  }
}

Napi::Value TokenizerWrap::Decode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::vector<int32_t> ids = Int32ArrayArg(info, 0, "ids", false);
  const bool skip = info.Length() < 2 || info[1].ToBoolean();
  try {
    return Napi::String::New(env, Live(env).Decode(ids, skip));
  } catch (const Error& e) {
    ThrowError(env, e);
  }
}

Napi::Value TokenizerWrap::TokenToId(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, Live(env).TokenToId(StringArg(info, 0, "token")));
}

Napi::Value TokenizerWrap::IdToToken(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int32_t id = IntArg(info, 0, "id");
  try {
    return Napi::String::New(env, Live(env).IdToToken(id));
  } catch (const Error& e) {
    ThrowError(env, e);
  }
}

Napi::Value TokenizerWrap::Vocab(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Tokenizer& tokenizer = Live(env);
  const int32_t n = tokenizer.vocab_size();
  auto out = Napi::Array::New(env, static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) out.Set(static_cast<uint32_t>(i), tokenizer.IdToToken(i));
  return out;
}

const Tokenizer& TokenizerWrap::Live(Napi::Env env) const {
  if (!tokenizer_) {
    ThrowError(env, Error(ErrorCode::kDisposed,
                          "the tokenizer was disposed with its model; load the model again, or use "
                          "loadTokenizer() for a tokenizer of its own"));
  }
  return *tokenizer_;
}

void TokenizerWrap::Release(Napi::Env env) {
  if (!tokenizer_) return;
  if (info_.IsEmpty()) {  // info stays readable afterwards
    info_ = Napi::Persistent(InfoObject(env, *tokenizer_));
  }
  tokenizer_.reset();
  ReturnReportedMemory(env);
}

Napi::Object TokenizerWrap::InfoObject(Napi::Env env, const Tokenizer& t) {
  auto o = Napi::Object::New(env);
  o.Set("vocabSize", t.vocab_size());
  o.Set("clsId", t.cls_id());
  o.Set("sepId", t.sep_id());
  o.Set("padId", t.pad_id());
  o.Set("unkId", t.unk_id());
  o.Set("maskId", t.mask_id());
  o.Set("maskToken", t.mask_token());
  napi_object_freeze(env, o);
  return o;
}

Napi::Value TokenizerWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Fixed for the tokenizer's life and read on every pipeline call: built once, frozen.
  if (info_.IsEmpty()) info_ = Napi::Persistent(InfoObject(env, Live(env)));
  return info_.Value();
}

}  // namespace dbn::addon
