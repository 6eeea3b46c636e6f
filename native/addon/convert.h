// JS <-> C++ conversions and argument checks for the binding. The TS layer validates public
// arguments first; these checks guard the native contract itself (lib/native.ts).
#pragma once

#include <napi.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "addon/engine_model.h"
#include "tokenizer/tokenizer.h"

namespace dbn::addon {

// Throws a JS Error with .code = DBN_INVALID_ARGUMENT.
[[noreturn]] void ThrowInvalid(Napi::Env env, const std::string& message);
// Throws the JS form of a core error (message + .code).
[[noreturn]] void ThrowError(Napi::Env env, const Error& error);

std::string StringArg(const Napi::CallbackInfo& info, size_t index, const char* name);
std::vector<int32_t> Int32ArrayArg(const Napi::CallbackInfo& info, size_t index, const char* name,
                                   bool allow_null);
int32_t IntArg(const Napi::CallbackInfo& info, size_t index, const char* name);

LoadOptions LoadOptionsFrom(Napi::Env env, const Napi::Value& value);
int ThreadsFrom(Napi::Env env, const Napi::Value& value);

Napi::Int32Array ToInt32Array(Napi::Env env, const std::vector<int32_t>& v);
Napi::Float32Array ToFloat32Array(Napi::Env env, const std::vector<float>& v);

Napi::Object ConfigToJs(Napi::Env env, const ModelConfig& config);

}  // namespace dbn::addon
