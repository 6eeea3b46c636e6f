#include "core/linear.h"

#include <ATen/ATen.h>


#include "common/error.h"

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
  dnnl::memory weights;  // packed copy owned by oneDNN
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
    : epilogue_(epilogue), compute_(compute) {
#ifdef DBN_HAVE_DNNL
  if (weight.device().is_cpu()) {
    auto p = std::make_unique<Packed>();
    p->out = weight.size(0);
    p->in = weight.size(1);
    p->src_type = compute == ComputeType::kBFloat16 ? dt::bf16 : dt::f32;
    p->bias = bias.contiguous();
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
      // Our weight is [out, in] row-major, i.e. the K x N matrix oneDNN wants in "ba" order.
      at::Tensor w = weight.contiguous();
      if (compute == ComputeType::kBFloat16) w = w.to(at::kBFloat16);
      dnnl::memory plain({{p->in, p->out}, p->src_type, tag::ba}, p->engine, w.data_ptr());
      p->weights = dnnl::memory(p->weights_md, p->engine);
      dnnl::stream stream(p->engine);
      dnnl::reorder(plain, p->weights).execute(stream, plain, p->weights);
      stream.wait();
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
  weight_ = compute == ComputeType::kBFloat16 ? weight.to(at::kBFloat16) : weight;
  bias_ = compute == ComputeType::kBFloat16 ? bias.to(at::kBFloat16) : bias;
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
