#include "addon/convert.h"

namespace dbn::addon {

void ThrowError(Napi::Env env, const Error& error) {
  Napi::Error e = Napi::Error::New(env, error.what());
  e.Set("code", Napi::String::New(env, ErrorCodeName(error.code())));
  throw e;
}

void ThrowInvalid(Napi::Env env, const std::string& message) {
  ThrowError(env, Error(ErrorCode::kInvalidArgument, message));
}

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (index >= info.Length() || !info[index].IsString()) {
    ThrowInvalid(info.Env(), std::string("Expected a string for ") + name);
  }
  return info[index].As<Napi::String>().Utf8Value();
}

std::vector<int32_t> Int32ArrayArg(const Napi::CallbackInfo& info, size_t index, const char* name,
                                   bool allow_null) {
  if (index < info.Length() && allow_null && (info[index].IsNull() || info[index].IsUndefined())) {
    return {};
  }
  if (index >= info.Length() || !info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    ThrowInvalid(info.Env(), std::string("Expected an Int32Array for ") + name);
  }
  auto a = info[index].As<Napi::Int32Array>();
  // Copied: the job runs on another thread and must not borrow JS memory.
  return std::vector<int32_t>(a.Data(), a.Data() + a.ElementLength());
}

int32_t IntArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (index >= info.Length() || !info[index].IsNumber()) {
    ThrowInvalid(info.Env(), std::string("Expected an integer for ") + name);
  }
  const double v = info[index].As<Napi::Number>().DoubleValue();
  if (!(v >= -2147483648.0 && v <= 2147483647.0) || v != static_cast<int32_t>(v)) {
    ThrowInvalid(info.Env(), std::string("Expected an integer for ") + name);
  }
  return static_cast<int32_t>(v);
}

LoadOptions LoadOptionsFrom(Napi::Env env, const Napi::Value& value) {
  LoadOptions o;
  if (!value.IsObject()) return o;
  auto obj = value.As<Napi::Object>();
  auto str = [&](const char* key, std::string* out) {
    Napi::Value v = obj.Get(key);
    if (v.IsUndefined()) return;
    if (!v.IsString()) ThrowInvalid(env, std::string("Expected a string for options.") + key);
    *out = v.As<Napi::String>().Utf8Value();
  };
  str("device", &o.device);
  str("dtype", &o.dtype);
  str("format", &o.format);
  return o;
}

int ThreadsFrom(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject()) return 0;
  Napi::Value v = value.As<Napi::Object>().Get("threads");
  if (v.IsUndefined()) return 0;
  const double n = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(n >= 0 && n <= 1024) || n != static_cast<int>(n)) {
    ThrowInvalid(env, "Expected an integer from 0 to 1024 for options.threads");
  }
  return static_cast<int>(n);
}

Napi::Int32Array ToInt32Array(Napi::Env env, const std::vector<int32_t>& v) {
  auto a = Napi::Int32Array::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

Napi::Float32Array ToFloat32Array(Napi::Env env, const std::vector<float>& v) {
  auto a = Napi::Float32Array::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

namespace {

// utf16[i] = UTF-16 code units before UTF-8 byte i. JS strings reach C++ through
// Utf8Value(), which turns each lone surrogate into U+FFFD: 3 bytes, 1 code unit, so the
// count below matches the JS string's indices exactly.
std::vector<uint32_t> Utf16Index(const std::string& s) {
  std::vector<uint32_t> idx(s.size() + 1);
  uint32_t units = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : 4;
    for (size_t k = 0; k < len && i + k < s.size(); ++k) idx[i + k] = units;
    units += len == 4 ? 2 : 1;
    i += len;
  }
  idx[s.size()] = units;
  return idx;
}

}  // namespace

Napi::Object EncodingToJs(Napi::Env env, const Encoding& e, const std::string& text,
                          const std::string& pair) {
  const size_t n = e.ids.size();
  auto obj = Napi::Object::New(env);
  obj.Set("ids", ToInt32Array(env, e.ids));
  auto tokens = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; ++i) tokens.Set(static_cast<uint32_t>(i), e.tokens[i]);
  obj.Set("tokens", tokens);
  obj.Set("typeIds", ToInt32Array(env, e.type_ids));
  obj.Set("wordIds", ToInt32Array(env, e.word_ids));
  obj.Set("sequenceIds", ToInt32Array(env, e.sequence_ids));
  auto special = Napi::Uint8Array::New(env, n);
  auto attention = Napi::Uint8Array::New(env, n);
  std::copy(e.special_tokens_mask.begin(), e.special_tokens_mask.end(), special.Data());
  std::copy(e.attention_mask.begin(), e.attention_mask.end(), attention.Data());
  obj.Set("specialTokensMask", special);
  obj.Set("attentionMask", attention);
  const auto idx_a = Utf16Index(text);
  const auto idx_b = pair.empty() ? std::vector<uint32_t>{0} : Utf16Index(pair);
  auto offsets = Napi::Uint32Array::New(env, 2 * n);
  for (size_t i = 0; i < n; ++i) {
    const auto& idx = e.sequence_ids[i] == 1 ? idx_b : idx_a;
    const uint32_t b = std::min<uint32_t>(e.offsets[i].first, idx.size() - 1);
    const uint32_t en = std::min<uint32_t>(e.offsets[i].second, idx.size() - 1);
    offsets[2 * i] = idx[b];
    offsets[2 * i + 1] = idx[en];
  }
  obj.Set("offsets", offsets);
  return obj;
}

Napi::Object ConfigToJs(Napi::Env env, const ModelConfig& c) {
  auto obj = Napi::Object::New(env);
  obj.Set("architecture", HeadKindName(c.head));
  obj.Set("vocabSize", static_cast<double>(c.vocab_size));
  obj.Set("dim", static_cast<double>(c.dim));
  obj.Set("nLayers", static_cast<double>(c.n_layers));
  obj.Set("nHeads", static_cast<double>(c.n_heads));
  obj.Set("hiddenDim", static_cast<double>(c.hidden_dim));
  obj.Set("maxPositionEmbeddings", static_cast<double>(c.max_position_embeddings));
  auto labels = Napi::Array::New(env, c.id2label.size());
  for (size_t i = 0; i < c.id2label.size(); ++i) labels.Set(static_cast<uint32_t>(i), c.id2label[i]);
  obj.Set("id2label", labels);
  return obj;
}

}  // namespace dbn::addon
