#include "addon/tokenizer_wrap.h"

#include "addon/addon_data.h"
#include "addon/convert.h"
#include "core/translate_error.h"

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
      tokenizer_ = Tokenizer::FromDirectory(path_);
    } catch (...) {
      const Error e = TranslateException(std::current_exception());
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

}  // namespace

Napi::Function TokenizerWrap::Define(Napi::Env env) {
  return DefineClass(env, "Tokenizer",
                     {InstanceMethod<&TokenizerWrap::Encode>("encode"),
                      InstanceMethod<&TokenizerWrap::EncodeBatch>("encodeBatch"),
                      InstanceMethod<&TokenizerWrap::Decode>("decode"),
                      InstanceMethod<&TokenizerWrap::TokenToId>("tokenToId"),
                      InstanceMethod<&TokenizerWrap::IdToToken>("idToToken"),
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
  try {
    Encoding e = has_pair ? tokenizer_->EncodePair(text, pair, add_special)
                          : tokenizer_->Encode(text, add_special);
    return EncodingToJs(env, e, text, pair);
  } catch (const Error& e) {
    ThrowError(env, e);
  }
}

Napi::Value TokenizerWrap::EncodeBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArray()) ThrowInvalid(env, "Expected an array of strings for texts");
  auto texts = info[0].As<Napi::Array>();
  const bool add_special = info.Length() < 2 || info[1].ToBoolean();
  auto out = Napi::Array::New(env, texts.Length());
  for (uint32_t i = 0; i < texts.Length(); ++i) {
    Napi::Value v = texts.Get(i);
    if (!v.IsString()) ThrowInvalid(env, "Expected a string for texts[" + std::to_string(i) + "]");
    const std::string text = v.As<Napi::String>().Utf8Value();
    try {
      out.Set(i, EncodingToJs(env, tokenizer_->Encode(text, add_special), text, std::string()));
    } catch (const Error& e) {
      ThrowError(env, e);
    }
  }
  return out;
}

Napi::Value TokenizerWrap::Decode(const Napi::CallbackInfo& info) {
  const std::vector<int32_t> ids = Int32ArrayArg(info, 0, "ids", false);
  const bool skip = info.Length() < 2 || info[1].ToBoolean();
  try {
    return Napi::String::New(info.Env(), tokenizer_->Decode(ids, skip));
  } catch (const Error& e) {
    ThrowError(info.Env(), e);
  }
}

Napi::Value TokenizerWrap::TokenToId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), tokenizer_->TokenToId(StringArg(info, 0, "token")));
}

Napi::Value TokenizerWrap::IdToToken(const Napi::CallbackInfo& info) {
  const int32_t id = IntArg(info, 0, "id");
  try {
    return Napi::String::New(info.Env(), tokenizer_->IdToToken(id));
  } catch (const Error& e) {
    ThrowError(info.Env(), e);
  }
}

Napi::Value TokenizerWrap::Info(const Napi::CallbackInfo& info) {
  auto o = Napi::Object::New(info.Env());
  o.Set("vocabSize", tokenizer_->vocab_size());
  o.Set("clsId", tokenizer_->cls_id());
  o.Set("sepId", tokenizer_->sep_id());
  o.Set("padId", tokenizer_->pad_id());
  o.Set("unkId", tokenizer_->unk_id());
  o.Set("maskId", tokenizer_->mask_id());
  o.Set("maskToken", tokenizer_->mask_token());
  return o;
}

}  // namespace dbn::addon
