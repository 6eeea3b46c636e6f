#pragma once

#include <napi.h>

#include <memory>

#include "tokenizer/tokenizer.h"

namespace dbn::addon {

// JS class `Tokenizer` (not constructible from JS: made by loadTokenizer() or a Model).
// Encoding is synchronous: it is microseconds per sentence and its result is needed at once.
class TokenizerWrap : public Napi::ObjectWrap<TokenizerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  static Napi::Object NewInstance(Napi::Env env, std::shared_ptr<const Tokenizer> tokenizer);
  explicit TokenizerWrap(const Napi::CallbackInfo& info);
  ~TokenizerWrap() override;

  // JS thread. Drops this object's hold on the tokenizer's tables (freed now unless something
  // else still holds them) and gives back the memory reported to V8; `info` stays readable,
  // every other method then throws DBN_DISPOSED. Idempotent. A Model's dispose() calls it
  // on the model's tokenizer once its owner thread has ended, so the tokenizer does not wait
  // for the garbage collector.
  void Release(Napi::Env env);

  // loadTokenizer(path: string): Promise<Tokenizer>. Async (libuv pool): parses
  // tokenizer.json, or vocab.txt (+ tokenizer_config.json), in a directory or at a file path.
  // Rejects DBN_MODEL_LOAD_FAILED.
  static Napi::Value Load(const Napi::CallbackInfo& info);

 private:
  // encode(text: string, pair: string | null, addSpecialTokens: boolean,
  //        options?: NativeEncodeOptions): NativeEncoding.
  // Sync. Offsets are UTF-16 code units into text (sequenceIds 0) or pair (sequenceIds 1).
  // options: { truncation?: { maxLength, stride?, strategy?: 'longest_first' | 'only_first' |
  // 'only_second', direction?: 'right' | 'left' }, padding?: { length? (absent: longest),
  // multipleOf?, direction?, padId?, padTypeId?, padToken? } }. With truncation the result has
  // `overflowing` (omitted when empty). options.tokens === false leaves out `tokens`. Throws DBN_INVALID_ARGUMENT for bad options or
  // truncation settings HF rejects.
  Napi::Value Encode(const Napi::CallbackInfo& info);
  // encodeBatch(texts: string[], addSpecialTokens: boolean, options?: NativeEncodeOptions &
  //             { pairs?: (string | null)[], threads?: number }): NativeEncoding[].
  // Sync: strings are copied out on the JS thread, encoded on `threads` native threads
  // (default: all cores; small batches stay on the JS thread), converted back on the JS thread.
  Napi::Value EncodeBatch(const Napi::CallbackInfo& info);
  // encodeIds(texts: string[], addSpecialTokens: boolean, options?: as encodeBatch):
  //           { ids: Int32Array, lengths: Int32Array }.
  // Sync. Only the ids, every text's back to back (what the model's methods take), with
  // lengths[i] the size of text i; no tokens, offsets or masks are built for JS.
  Napi::Value EncodeIds(const Napi::CallbackInfo& info);
  // decode(ids: Int32Array, skipSpecialTokens: boolean): string. Sync. Throws
  // DBN_INVALID_ARGUMENT for an id outside the vocabulary.
  Napi::Value Decode(const Napi::CallbackInfo& info);
  // decodeFilled(ids: Int32Array, position: number, candidates: Int32Array,
  //              skipSpecialTokens: boolean): string[].
  // Sync. decode(ids with ids[position] = c) for each candidate c, the text around the
  // position decoded once (fill-mask's `sequence`). Throws DBN_INVALID_ARGUMENT for a
  // position outside ids.
  Napi::Value DecodeFilled(const Napi::CallbackInfo& info);
  // tokenToId(token: string): number (-1 when absent). Sync.
  Napi::Value TokenToId(const Napi::CallbackInfo& info);
  // idToToken(id: number): string. Sync; throws DBN_INVALID_ARGUMENT when out of range.
  Napi::Value IdToToken(const Napi::CallbackInfo& info);
  // vocab(): string[], the token of every id ('' for ids without one). Sync.
  Napi::Value Vocab(const Napi::CallbackInfo& info);
  // info: { vocabSize, clsId, sepId, padId, unkId, maskId, maskToken }. Getter.
  Napi::Value Info(const Napi::CallbackInfo& info);

  static Napi::Object InfoObject(Napi::Env env, const Tokenizer& tokenizer);
  // The tokenizer, or a DBN_DISPOSED throw after Release().
  const Tokenizer& Live(Napi::Env env) const;
  // Gives back to V8 the memory reported for the tables (once; never throws).
  void ReturnReportedMemory(napi_env env);
  struct BatchArgs;
  BatchArgs ReadBatch(const Napi::CallbackInfo& info) const;
  Napi::Object ToJs(Napi::Env env, const Encoding& e, const std::string& text,
                    const std::string& pair, bool with_tokens) const;

  std::shared_ptr<const Tokenizer> tokenizer_;  // null after Release()
  int64_t reported_bytes_ = 0;  // told to V8, so GC collects unreachable tokenizers in time
  Napi::ObjectReference info_;
};

}  // namespace dbn::addon
