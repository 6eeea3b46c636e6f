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
