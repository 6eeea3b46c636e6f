#include "core/linear.h"

#include <ATen/ATen.h>


#include "common/error.h"
#include "core/weights.h"

#ifdef DBN_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace dbn {

namespace {

at::Tensor Apply(const at::Tensor& y, Epilogue epilogue) {
  switch (epilogue) {
    case Epilogue::kGelu: return at::gelu(y);  // exact erf form, as DistilBERT's "gelu"
    case Epilogue::kRelu: return at::relu(y);
    case Epilogue::kNone: return y;
  }
  return y;
}

}  // namespace

#ifdef DBN_HAVE_DNNL

struct Linear::Packed {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::memory::desc weights_md;
  dnnl::memory weights;  // the packed copy, in `storage`
  at::Tensor storage;    // bytes of the packed weight (EmptyWeight: huge pages)
  dnnl::memory::desc bias_md;
  at::Tensor bias;  // float32 [out]
  dnnl::primitive_attr attr;
  dnnl::memory::data_type src_type = dnnl::memory::data_type::f32;
  int64_t in = 0, out = 0;
};

namespace {

using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

// M used to pick the packed weight layout; the layout does not depend on M, so one packing
// serves every batch size (oneDNN caches the per-M primitives it then creates).
constexpr int64_t kPackRows = 128;

dnnl::matmul::primitive_desc MakePd(const Linear::Packed& p, int64_t rows,
                                    const dnnl::memory::desc& weights_md) {
  dnnl::memory::desc src({rows, p.in}, p.src_type, tag::ab);
  dnnl::memory::desc dst({rows, p.out}, dt::f32, tag::ab);
  return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, weights_md, p.bias_md, dst), p.attr,
                                      p.engine);
}

// Whether the layout pads a dimension (blocks that do not divide it).
bool Padded(const dnnl::memory::desc& md) {
#if DNNL_VERSION_MAJOR >= 3
  const dnnl::memory::dims dims = md.get_dims(), padded = md.get_padded_dims();
  return dims != padded;
#else
  for (int i = 0; i < md.data.ndims; ++i) {
    if (md.data.dims[i] != md.data.padded_dims[i]) return true;
  }
  return false;
#endif
}

}  // namespace

#else

struct Linear::Packed {};

#endif  // DBN_HAVE_DNNL

bool LinearHasDnnl() {
#ifdef DBN_HAVE_DNNL
  return true;
#else
  return false;
#endif
}

Linear::Linear(const at::Tensor& weight, const at::Tensor& bias, Epilogue epilogue,
               ComputeType compute)
    : Linear(std::vector<at::Tensor>{weight}, bias, epilogue, compute) {}

Linear::Linear(const std::vector<at::Tensor>& weight_parts, const at::Tensor& bias,
               Epilogue epilogue, ComputeType compute)
    : epilogue_(epilogue), compute_(compute) {
  TORCH_CHECK(!weight_parts.empty(), "Linear needs a weight");
#ifdef DBN_HAVE_DNNL
  if (weight_parts[0].device().is_cpu()) {
    auto p = std::make_unique<Packed>();
    p->out = 0;
    for (const at::Tensor& w : weight_parts) p->out += w.size(0);
    p->in = weight_parts[0].size(1);
    p->src_type = compute == ComputeType::kBFloat16 ? dt::bf16 : dt::f32;
    p->bias = Owned(bias.contiguous());
    p->bias_md = dnnl::memory::desc({1, p->out}, dt::f32, tag::ab);
    if (epilogue == Epilogue::kRelu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f,
                         epilogue == Epilogue::kGelu ? dnnl::algorithm::eltwise_gelu_erf
                                                     : dnnl::algorithm::eltwise_relu,
                         0.0f, 0.0f);
      p->attr.set_post_ops(ops);
    }
    try {
      const dnnl::memory::desc any({p->in, p->out}, p->src_type, tag::any);
      p->weights_md = MakePd(*p, kPackRows, any).weights_desc();
      p->storage = EmptyWeight({static_cast<int64_t>(p->weights_md.get_size())}, at::kByte);
      p->weights = dnnl::memory(p->weights_md, p->engine, p->storage.data_ptr());
      dnnl::stream stream(p->engine);
      // Where each part goes: its columns of the packed [in, out] matrix, when the layout's
      // blocks split there; else (empty) the parts are concatenated and packed at once.
      std::vector<dnnl::memory::desc> regions;
      int64_t offset = 0;
      for (const at::Tensor& w : weight_parts) {
        // A padded layout would leave padding that no part's reorder zeroes.
        if (weight_parts.size() == 1 || Padded(p->weights_md)) break;
        dnnl::memory::desc sub = p->weights_md.submemory_desc({p->in, w.size(0)}, {0, offset},
                                                              /*allow_empty=*/true);
        if (sub.is_zero()) {
          regions.clear();
          break;
        }
        regions.push_back(sub);
        offset += w.size(0);
      }
      // Our weight is [out, in] row-major, i.e. the K x N matrix oneDNN wants in "ba" order.
      // The reorder reads it where it is (a weights file's mapping, during the load) and
      // converts to bfloat16 itself where that is the compute type.
      auto pack = [&](const at::Tensor& weight, const dnnl::memory::desc& dst_md) {
        at::Tensor w = weight.contiguous();
        dnnl::memory plain({{p->in, w.size(0)}, dt::f32, tag::ba}, p->engine, w.data_ptr());
        dnnl::memory dst(dst_md, p->engine, p->weights.get_data_handle());
        dnnl::reorder(plain, dst).execute(stream, plain, dst);
        stream.wait();
      };
      if (regions.empty()) {
        pack(weight_parts.size() == 1 ? weight_parts[0] : at::cat(weight_parts, 0), p->weights_md);
      } else {
        for (size_t i = 0; i < regions.size(); ++i) pack(weight_parts[i], regions[i]);
      }
    } catch (const dnnl::error& e) {
      throw Error(ErrorCode::kInvalidArgument,
                  std::string("this CPU cannot run the ") +
                      (compute == ComputeType::kBFloat16 ? "bfloat16" : "float32") +
                      " oneDNN matmul (" + e.what() + "); use dtype \"float32\"");
    }
    packed_ = std::move(p);
    return;
  }
#endif
  const at::Tensor weight = weight_parts.size() == 1 ? weight_parts[0] : at::cat(weight_parts, 0);
  weight_ = compute == ComputeType::kBFloat16 ? weight.to(at::kBFloat16) : Owned(weight);
  bias_ = compute == ComputeType::kBFloat16 ? bias.to(at::kBFloat16) : Owned(bias);
}

Linear Linear::Shared(const at::Tensor& weight, const at::Tensor& bias) {
  Linear l;
  l.weight_ = weight.contiguous();
  l.bias_ = bias;
#ifdef DBN_HAVE_DNNL
  if (weight.device().is_cpu() && weight.scalar_type() == at::kFloat) {
    auto p = std::make_unique<Packed>();
    p->out = weight.size(0);
    p->in = weight.size(1);
    p->bias = bias.contiguous();
    p->bias_md = dnnl::memory::desc({1, p->out}, dt::f32, tag::ab);
    // [out, in] row-major is the K x N weight in "ba" order: no reorder, no copy.
    p->weights_md = dnnl::memory::desc({p->in, p->out}, dt::f32, tag::ba);
    p->weights = dnnl::memory(p->weights_md, p->engine, l.weight_.data_ptr());
    l.packed_ = std::move(p);
  }
#endif
  return l;
}

Linear::Linear() = default;
Linear::~Linear() = default;
Linear::Linear(Linear&&) noexcept = default;
Linear& Linear::operator=(Linear&&) noexcept = default;

int64_t Linear::weight_bytes() const {
#ifdef DBN_HAVE_DNNL
  if (packed_) return static_cast<int64_t>(packed_->weights_md.get_size() + packed_->bias.nbytes());
#endif
  return weight_.defined() ? weight_.nbytes() + bias_.nbytes() : 0;
}

at::Tensor Linear::operator()(const at::Tensor& x) const {
#ifdef DBN_HAVE_DNNL
  if (packed_) {
    const Packed& p = *packed_;
    at::Tensor src = x.contiguous();
    if (p.src_type == dt::bf16) src = src.to(at::kBFloat16);
    const int64_t rows = src.size(0);
    at::Tensor dst = at::empty({rows, p.out}, x.options().dtype(at::kFloat));
    if (rows == 0) return dst;
    auto pd = MakePd(p, rows, p.weights_md);
    dnnl::memory src_m(pd.src_desc(), p.engine, src.data_ptr());
    dnnl::memory dst_m(pd.dst_desc(), p.engine, dst.data_ptr());
    dnnl::memory bias_m(p.bias_md, p.engine, p.bias.data_ptr());
    dnnl::stream stream(p.engine);
    dnnl::matmul(pd).execute(stream, {{DNNL_ARG_SRC, src_m},
                                      {DNNL_ARG_WEIGHTS, p.weights},
                                      {DNNL_ARG_BIAS, bias_m},
                                      {DNNL_ARG_DST, dst_m}});
    stream.wait();
    if (epilogue_ == Epilogue::kGelu) at::gelu_(dst);
    return dst;
  }
#endif
  if (compute_ == ComputeType::kBFloat16) {
    return Apply(at::linear(x.to(at::kBFloat16), weight_, bias_), epilogue_).to(at::kFloat);
  }
  return Apply(at::linear(x, weight_, bias_), epilogue_);
}

}  // namespace dbn
