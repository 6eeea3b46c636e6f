/* The boundary between the addon and the engine library (libdbn_engine-<flavour>.so).
 *
 * Why a plain C ABI: the addon (N-API glue and the tokenizer, no libtorch) is built once per
 * platform, while an engine library is built per libtorch flavour (Debian's 1.13 CPU, PyTorch
 * 2.x CPU and CUDA wheels, from the same sources). Those libtorch builds differ in compiler and
 * in _GLIBCXX_USE_CXX11_ABI, so nothing C++ crosses here: no std::string, no exceptions, no
 * STL containers, no vtables. Only opaque handles, plain structs of scalars and C strings,
 * and buffers the engine allocates with malloc and the addon gives back through free().
 *
 * The addon dlopen()s an engine library and calls its one exported symbol,
 * dbn_engine_api(DBN_ENGINE_ABI_VERSION), which returns the function table below or NULL when
 * the library speaks another version. Bump the version on any change to these structs or
 * to a function's meaning; a new DbnRun value alone is compatible (an older engine rejects it
 * as DBN_INTERNAL, "unknown run").
 *
 * Errors: fallible functions return 0 on success, non-zero on failure with *error filled: a
 * code name from the closed list (common/error.h, e.g. "DBN_MODEL_LOAD_FAILED"; a static
 * string) and a message the caller frees with free_error(). Names, not enum values, so the
 * two sides never depend on the enum's order.
 *
 * Threads: a model is used from one thread at a time (the addon's owner thread). Every call
 * that touches tensors runs under c10::InferenceMode inside the engine.
 */
#ifndef DBN_ENGINE_H_
#define DBN_ENGINE_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DBN_ENGINE_ABI_VERSION 1u

typedef struct DbnModel DbnModel; /* opaque: one loaded checkpoint */

typedef struct DbnError {
  const char* code; /* static; NULL when no error */
  char* message;    /* malloc'd by the engine; free with free_error() */
} DbnError;

typedef struct DbnLoadOptions {
  const char* device; /* "cpu", "cuda", "cuda:N" */
  const char* dtype;  /* "float32" or "bfloat16" */
  const char* format; /* "auto", "safetensors", "torchscript" */
} DbnLoadOptions;

/* Sequences back to back: ids[sum(lengths)], lengths[n_lengths]. Borrowed for the call. */
typedef struct DbnBatch {
  const int32_t* ids;
  int64_t n_ids;
  const int32_t* lengths;
  int64_t n_lengths;
} DbnBatch;

/* A malloc'd float array (free() it through the table's free). */
typedef struct DbnFloats {
  float* data;
  int64_t size;
} DbnFloats;

typedef struct DbnInts {
  int32_t* data;
  int64_t size;
} DbnInts;

typedef struct DbnFillMask {
  int32_t k;
  DbnInts rows, positions, token_ids;
  DbnFloats scores;
} DbnFillMask;

/* What a loaded model is. Every pointer is owned by the model and valid until model_free. */
typedef struct DbnModelInfo {
  const char* architecture; /* HF architecture name, e.g. "DistilBertForMaskedLM" */
  int64_t vocab_size, dim, n_layers, n_heads, hidden_dim, max_position_embeddings;
  int64_t n_labels;
  const char* const* labels; /* id2label, n_labels entries */
  const char* device;
  const char* dtype;
  const char* format;
  const char* weights_path;
  const char* model_dir;
  int32_t runs_script;
  int64_t parameter_bytes;
} DbnModelInfo;

/* What the engine runs on. Strings are static in the engine (valid until process exit). */
typedef struct DbnRuntimeInfo {
  const char* libtorch_version;
  int32_t cuda_compiled;
  const char* cuda_version;
  int32_t cuda_device_count;
  int32_t onednn_linear;
  int32_t mkldnn;
  const char* blas;
  const char* torch_config;
} DbnRuntimeInfo;

/* run()'s heads. Outputs: one array, except QA (start, end). */
enum DbnRun {
  DBN_RUN_SEQUENCE_LOGITS = 0, /* [batch, labels] */
  DBN_RUN_TOKEN_LOGITS = 1,    /* packed [tokens, labels] */
  DBN_RUN_QA_LOGITS = 2,       /* packed [tokens] start, [tokens] end */
  DBN_RUN_EMBED_MEAN = 3,      /* [batch, dim]; flags bit 0: L2-normalize */
  DBN_RUN_EMBED_CLS = 4,       /* [batch, dim]; flags bit 0: L2-normalize */
  DBN_RUN_HIDDEN_STATES = 5,   /* packed [tokens, dim]: the last hidden state of every token */
};

typedef struct DbnEngineApi {
  uint32_t abi_version;
  const char* flavour;          /* the build's tag, e.g. "torch1.13" */
  const char* libtorch_version; /* TORCH_VERSION it was compiled against */

  void (*free)(void* p);
  void (*free_error)(DbnError* error);

  /* This thread's libtorch intra-op thread count (per calling thread in libtorch). */
  void (*set_thread_count)(int32_t n);
  int (*runtime_info)(DbnRuntimeInfo* out, DbnError* error);

  int (*load)(const char* path, const DbnLoadOptions* options, DbnModel** out, DbnError* error);
  void (*model_free)(DbnModel* model);
  void (*model_info)(const DbnModel* model, DbnModelInfo* out);

  /* Top-k at every position holding mask_id (over targets when n_targets > 0). */
  int (*fill_mask)(const DbnModel* model, const DbnBatch* batch, int32_t mask_id, int32_t top_k,
                   const int32_t* targets, int64_t n_targets, DbnFillMask* out, DbnError* error);
  /* One of DbnRun; outs[0] (and outs[1] for QA) are filled. */
  int (*run)(const DbnModel* model, int32_t what, const DbnBatch* batch, uint32_t flags,
             DbnFloats outs[2], DbnError* error);
} DbnEngineApi;

typedef const DbnEngineApi* (*DbnEngineApiFn)(uint32_t abi_version);
#define DBN_ENGINE_API_SYMBOL "dbn_engine_api"

#ifdef __cplusplus
}
#endif

#endif /* DBN_ENGINE_H_ */
