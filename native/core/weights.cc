#include "core/weights.h"

#include <ATen/ATen.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "common/error.h"
#include "core/safetensors.h"

namespace dbn {
namespace {

at::ScalarType ToScalarType(DType dtype) {
  switch (dtype) {
    case DType::kF32: return at::kFloat;
    case DType::kF16: return at::kHalf;
    case DType::kBF16: return at::kBFloat16;
    case DType::kF64: return at::kDouble;
    case DType::kI64: return at::kLong;
    case DType::kI32: return at::kInt;
  }
  return at::kFloat;
}

std::string ShapeString(at::IntArrayRef shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

class Resolver {
 public:
  Resolver(const TensorLookup& lookup, const c10::Device& device, const std::string& source)
      : lookup_(lookup), device_(device), source_(source) {}

  // `name` is the HF name without the `distilbert.` prefix for encoder tensors; head tensors
  // never carry the prefix.
  at::Tensor Get(const std::string& name, std::vector<int64_t> shape, bool encoder) {
    std::optional<at::Tensor> t;
    if (encoder) t = lookup_("distilbert." + name);
    if (t) used_.push_back("distilbert." + name);
    if (!t && (t = lookup_(name))) used_.push_back(name);
    if (!t) {
      throw Error(ErrorCode::kUnsupportedModel,
                  source_ + ": missing tensor \"" + (encoder ? "distilbert." : "") + name +
                      "\" (is this a DistilBERT checkpoint of the architecture in config.json?)");
    }
    if (t->sizes() != at::IntArrayRef(shape)) {
      throw Error(ErrorCode::kUnsupportedModel,
                  source_ + ": tensor \"" + name + "\" has shape " + ShapeString(t->sizes()) +
                      " but config.json implies " + ShapeString(shape));
    }
    if (!t->is_floating_point()) {
      throw Error(ErrorCode::kUnsupportedModel,
                  source_ + ": tensor \"" + name + "\" is not floating point");
    }
    return t->to(device_, at::kFloat).contiguous();
  }

  std::optional<at::Tensor> Find(const std::string& name) { return lookup_(name); }
  const std::vector<std::string>& used() const { return used_; }

 private:
  std::vector<std::string> used_;
  const TensorLookup& lookup_;
  c10::Device device_;
  std::string source_;
};

}  // namespace

DistilBertWeights BuildWeights(const ModelConfig& c, const TensorLookup& lookup,
                               const c10::Device& device, const std::string& source,
                               const std::vector<std::string>* all_names) {
  Resolver r(lookup, device, source);
  DistilBertWeights w;
  const int64_t d = c.dim, h = c.hidden_dim;
  w.word_emb = r.Get("embeddings.word_embeddings.weight", {c.vocab_size, d}, true);
  w.pos_emb = r.Get("embeddings.position_embeddings.weight", {c.max_position_embeddings, d}, true);
  w.emb_ln_w = r.Get("embeddings.LayerNorm.weight", {d}, true);
  w.emb_ln_b = r.Get("embeddings.LayerNorm.bias", {d}, true);
  for (int64_t i = 0; i < c.n_layers; ++i) {
    const std::string p = "transformer.layer." + std::to_string(i) + ".";
    LayerWeights l;
    l.q_w = r.Get(p + "attention.q_lin.weight", {d, d}, true);
    l.q_b = r.Get(p + "attention.q_lin.bias", {d}, true);
    l.k_w = r.Get(p + "attention.k_lin.weight", {d, d}, true);
    l.k_b = r.Get(p + "attention.k_lin.bias", {d}, true);
    l.v_w = r.Get(p + "attention.v_lin.weight", {d, d}, true);
    l.v_b = r.Get(p + "attention.v_lin.bias", {d}, true);
    l.out_w = r.Get(p + "attention.out_lin.weight", {d, d}, true);
    l.out_b = r.Get(p + "attention.out_lin.bias", {d}, true);
    l.sa_ln_w = r.Get(p + "sa_layer_norm.weight", {d}, true);
    l.sa_ln_b = r.Get(p + "sa_layer_norm.bias", {d}, true);
    l.ffn1_w = r.Get(p + "ffn.lin1.weight", {h, d}, true);
    l.ffn1_b = r.Get(p + "ffn.lin1.bias", {h}, true);
    l.ffn2_w = r.Get(p + "ffn.lin2.weight", {d, h}, true);
    l.ffn2_b = r.Get(p + "ffn.lin2.bias", {d}, true);
    l.out_ln_w = r.Get(p + "output_layer_norm.weight", {d}, true);
    l.out_ln_b = r.Get(p + "output_layer_norm.bias", {d}, true);
    w.layers.push_back(std::move(l));
  }
  switch (c.head) {
    case HeadKind::kMaskedLm:
      w.vocab_transform_w = r.Get("vocab_transform.weight", {d, d}, false);
      w.vocab_transform_b = r.Get("vocab_transform.bias", {d}, false);
      w.vocab_ln_w = r.Get("vocab_layer_norm.weight", {d}, false);
      w.vocab_ln_b = r.Get("vocab_layer_norm.bias", {d}, false);
      // Hub safetensors omit the tied projector; reuse the embedding rather than copy it.
      w.vocab_proj_w = r.Find("vocab_projector.weight")
                           ? r.Get("vocab_projector.weight", {c.vocab_size, d}, false)
                           : w.word_emb;
      w.vocab_proj_b = r.Get("vocab_projector.bias", {c.vocab_size}, false);
      break;
    case HeadKind::kSequenceClassification: {
      const int64_t n = static_cast<int64_t>(c.id2label.size());
      w.pre_classifier_w = r.Get("pre_classifier.weight", {d, d}, false);
      w.pre_classifier_b = r.Get("pre_classifier.bias", {d}, false);
      w.classifier_w = r.Get("classifier.weight", {n, d}, false);
      w.classifier_b = r.Get("classifier.bias", {n}, false);
      break;
    }
    case HeadKind::kTokenClassification: {
      const int64_t n = static_cast<int64_t>(c.id2label.size());
      w.classifier_w = r.Get("classifier.weight", {n, d}, false);
      w.classifier_b = r.Get("classifier.bias", {n}, false);
      break;
    }
    case HeadKind::kQuestionAnswering:
      w.qa_w = r.Get("qa_outputs.weight", {2, d}, false);
      w.qa_b = r.Get("qa_outputs.bias", {2}, false);
      break;
    case HeadKind::kBase:
      break;
  }
  if (all_names != nullptr) {
    for (const std::string& name : *all_names) {
      if (std::find(r.used().begin(), r.used().end(), name) != r.used().end()) continue;
      // HF's position_ids buffer (arange) is saved by some exports; it carries no weights.
      if (name == "embeddings.position_ids" || name == "distilbert.embeddings.position_ids") continue;
      const size_t at = name.find("transformer.layer.");
      if (at != std::string::npos) {
        const std::string rest = name.substr(at + 18);
        throw Error(ErrorCode::kUnsupportedModel,
                    source + ": tensor \"" + name + "\" belongs to layer " +
                        rest.substr(0, rest.find('.')) + " but config.json has n_layers " +
                        std::to_string(c.n_layers) + "; fix n_layers to the layers present");
      }
      throw Error(ErrorCode::kUnsupportedModel,
                  source + ": tensor \"" + name + "\" is not part of a " + HeadKindName(c.head) +
                      " as config.json describes it (architectures, n_layers); the checkpoint and "
                      "its config disagree");
    }
  }
  return w;
}

namespace {

// The context of a tensor that borrows the mapping: keeps the pages valid while it lives.
struct Borrow {
  std::shared_ptr<MappedFile> file;
  std::shared_ptr<std::atomic<int64_t>> live;
  size_t begin = 0, end = 0;  // the tensor's bytes, as offsets into the file
};

void EndBorrow(void* context) {
  std::unique_ptr<Borrow> borrow(static_cast<Borrow*>(context));
  borrow->file->Forget(borrow->begin, borrow->end);
  borrow->live->fetch_sub(1, std::memory_order_acq_rel);
}

}  // namespace

bool BorrowsFile(const at::Tensor& t) {
  return t.defined() && t.has_storage() && t.storage().data_ptr().get_deleter() == &EndBorrow;
}

at::Tensor Owned(const at::Tensor& t) {
  return BorrowsFile(t) ? EmptyWeight(t.sizes(), t.scalar_type()).copy_(t) : t;
}

namespace {

constexpr size_t kHugePage = size_t{2} << 20;

struct Mapping {
  void* start;
  size_t length;
};

void Unmap(void* context) {
  std::unique_ptr<Mapping> m(static_cast<Mapping*>(context));
  ::munmap(m->start, m->length);
}

}  // namespace

at::Tensor EmptyWeight(at::IntArrayRef shape, at::ScalarType dtype) {
  const auto options = at::TensorOptions().dtype(dtype);
  const size_t bytes = static_cast<size_t>(c10::multiply_integers(shape)) * c10::elementSize(dtype);
  if (bytes < kHugePage) return at::empty(shape, options);
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t length = (bytes + page - 1) / page * page;
  // Over-map by one huge page, then unmap what lies outside the aligned range. A length that
  // is not a multiple of 2 MiB ends in small pages: nothing is rounded up to be resident.
  void* raw = ::mmap(nullptr, length + kHugePage, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) {
    throw Error(ErrorCode::kOutOfMemory, "cannot allocate " + std::to_string(bytes) +
                                             " bytes for the model's weights: " + std::strerror(errno));
  }
  const uintptr_t begin = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (begin + kHugePage - 1) / kHugePage * kHugePage;
  const uintptr_t end = begin + length + kHugePage;
  if (start > begin) ::munmap(raw, start - begin);
  if (end > start + length) ::munmap(reinterpret_cast<void*>(start + length), end - (start + length));
  void* data = reinterpret_cast<void*>(start);
  ::madvise(data, length, MADV_HUGEPAGE);  // advice: without THP these are small pages
  return at::for_blob(data, shape)
      .context(new Mapping{data, length}, &Unmap)  // owned by the maker, then the storage
      .options(options)
      .make_tensor();
}

TensorLookup SafetensorsLookup(const std::string& path, std::vector<std::string>* names,
                               std::shared_ptr<const std::atomic<int64_t>>* live_borrows) {
  auto file = std::make_shared<SafetensorsFile>(SafetensorsFile::Open(path));
  auto live = std::make_shared<std::atomic<int64_t>>(0);
  if (names != nullptr) {
    for (const auto& e : file->tensors) names->push_back(e.name);
  }
  if (live_borrows != nullptr) *live_borrows = live;
  return [file, live](const std::string& name) -> std::optional<at::Tensor> {
    for (const auto& e : file->tensors) {
      if (e.name != name) continue;
      const uint8_t* data = file->DataOf(e);
      const auto options = at::TensorOptions().dtype(ToScalarType(e.dtype));
      if (reinterpret_cast<uintptr_t>(data) % DTypeSize(e.dtype) != 0) {
        // Misaligned data cannot be wrapped: copy it (once; the copy is owned).
        at::Tensor t = at::empty(e.shape, options);
        std::memcpy(t.data_ptr(), data, e.end - e.begin);
        return t;
      }
      const size_t begin = file->data_offset + e.begin, end = file->data_offset + e.end;
      // The maker owns the context from here on (EndBorrow runs even if make_tensor throws),
      // then the tensor's storage does.
      live->fetch_add(1, std::memory_order_acq_rel);
      return at::for_blob(const_cast<uint8_t*>(data), e.shape)
          .context(new Borrow{file->file, live, begin, end}, &EndBorrow)
          .options(options)
          .make_tensor();
    }
    return std::nullopt;
  };
}

}  // namespace dbn
