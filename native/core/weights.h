// DistilBERT parameters as libtorch tensors, resolved by Hugging Face names from either a
// safetensors file (borrowing its mapped pages for the duration of the load) or a TorchScript
// archive's named parameters.
#pragma once

#include <ATen/Tensor.h>
#include <c10/core/Device.h>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"

namespace dbn {

struct LayerWeights {
  at::Tensor q_w, q_b, k_w, k_b, v_w, v_b, out_w, out_b;
  at::Tensor sa_ln_w, sa_ln_b;
  at::Tensor ffn1_w, ffn1_b, ffn2_w, ffn2_b;
  at::Tensor out_ln_w, out_ln_b;
};

struct DistilBertWeights {
  at::Tensor word_emb, pos_emb, emb_ln_w, emb_ln_b;
  std::vector<LayerWeights> layers;
  // Masked-LM head. vocab_proj_w aliases word_emb when the checkpoint ties them.
  at::Tensor vocab_transform_w, vocab_transform_b, vocab_ln_w, vocab_ln_b, vocab_proj_w,
      vocab_proj_b;
  // Classification / QA heads (which ones are set depends on ModelConfig::head).
  at::Tensor pre_classifier_w, pre_classifier_b, classifier_w, classifier_b;
  at::Tensor qa_w, qa_b;
};

// Looks a tensor up by its exact name in the checkpoint; nullopt when absent.
using TensorLookup = std::function<std::optional<at::Tensor>(const std::string& name)>;

// Resolves every parameter the config's head needs, accepting names with or without the
// `distilbert.` prefix, checks each shape, converts to float32 on `device`. A tensor that
// needed no conversion is the lookup's own, which for a safetensors file borrows the mapping:
// an engine packs those or keeps Owned() copies (see SafetensorsLookup).
// Throws Error(kUnsupportedModel) naming the missing or mis-shaped tensor.
// With `all_names` (every tensor in the file), a tensor the config does not account for (a
// layer beyond n_layers, another head's weights) is an Error(kUnsupportedModel) too.
DistilBertWeights BuildWeights(const ModelConfig& config, const TensorLookup& lookup,
                               const c10::Device& device, const std::string& source,
                               const std::vector<std::string>* all_names = nullptr);

// Lookup over a safetensors file. Its tensors borrow the file's mapped pages (no copy), so
// that what the engine packs is read from the file once. Nothing may keep one past the load
// (a loaded model must never read its file again: a truncated file would SIGBUS the process,
// an overwritten one change its answers): keep Owned(t) instead. Each borrowed tensor holds
// the mapping until it is freed, and gives its pages back then (MappedFile::Forget); the file
// is unmapped when the lookup and the last of them are gone.
// *names, when given, gets every tensor name in the file; *live_borrows, when given, counts
// the borrowed tensors (and views of them) still alive: zero once a load kept only owned memory.
TensorLookup SafetensorsLookup(const std::string& path, std::vector<std::string>* names = nullptr,
                               std::shared_ptr<const std::atomic<int64_t>>* live_borrows = nullptr);

// Whether `t` (or the tensor it is a view of) borrows a weights file's mapping.
bool BorrowsFile(const at::Tensor& t);
// `t` when it owns its memory (or is undefined), else a contiguous copy of it in EmptyWeight.
at::Tensor Owned(const at::Tensor& t);

// An uninitialized CPU tensor for weights that live as long as the model. From 2 MiB up it is
// its own 2 MiB-aligned anonymous mapping with transparent huge pages requested
// (MADV_HUGEPAGE, honoured when THP is "always" or "madvise"): the load writes every byte of
// it once, and first touches are most of a load's cost (measured here: 268 MiB cost 1.05 s of
// CPU in 4 KiB faults, 0.42 s with huge pages). Smaller tensors come from at::empty.
at::Tensor EmptyWeight(at::IntArrayRef shape, at::ScalarType dtype);

// Lookup over a TorchScript archive's named parameters and buffers.
TensorLookup TorchScriptLookup(const std::string& path);

}  // namespace dbn
