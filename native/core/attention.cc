#include "core/attention.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#ifdef DBN_HAVE_DNNL
#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace dbn {

at::Tensor PackedAttention(const at::Tensor& qkv, const std::vector<int32_t>& lengths,
                           int64_t heads, const std::vector<int64_t>* query_rows) {
#ifdef DBN_HAVE_DNNL
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  if (!qkv.device().is_cpu() || qkv.scalar_type() != at::kFloat || !qkv.is_contiguous()) return {};
  static std::atomic<bool> unsupported{false};  // set once if oneDNN rejects these layouts
  if (unsupported) return {};
  // Queries: every row, or the chosen rows gathered in order, query_counts[i] of them in
  // sequence i.
  const bool all_rows = query_rows == nullptr;
  std::vector<int32_t> query_counts = lengths;
  at::Tensor queries;
  if (!all_rows) {
    queries = qkv.index_select(0, at::tensor(*query_rows, at::kLong));
    std::fill(query_counts.begin(), query_counts.end(), 0);
    size_t seq = 0;
    int64_t end = lengths.empty() ? 0 : lengths[0];
    for (int64_t r : *query_rows) {
      while (r >= end) end += lengths[++seq];
      ++query_counts[seq];
    }
  }
  const int64_t row = qkv.size(1), d = row / 3, hd = d / heads;
  const int64_t n_queries = all_rows ? qkv.size(0) : queries.size(0);
  int64_t longest = 0, most_queries = 0;
  for (size_t i = 0; i < lengths.size(); ++i) {
    longest = std::max<int64_t>(longest, lengths[i]);
    most_queries = std::max<int64_t>(most_queries, query_counts[i]);
  }
  at::Tensor ctx = at::empty({n_queries, d}, qkv.options());
  // One sequence's scores and probabilities at a time: small enough to stay in cache.
  at::Tensor scores = at::empty({heads * most_queries * longest}, qkv.options());
  at::Tensor probs = at::empty_like(scores);
  try {
    dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(engine);
    dnnl::primitive_attr scale_attr;
    scale_attr.set_output_scales(0, {1.0f / std::sqrt(static_cast<float>(hd))});
    float* kv_base = qkv.data_ptr<float>();
    float* q_base = all_rows ? kv_base : queries.data_ptr<float>();
    int64_t kv_row = 0, q_row = 0;
    for (size_t i = 0; i < lengths.size(); ++i) {
      const int64_t s = lengths[i], nq = query_counts[i];
      if (nq > 0) {
        // Q [heads, nq, hd] and K^T [heads, hd, s], strided views of the fused rows.
        const dnnl::memory::desc q_md({heads, nq, hd}, dt::f32, {hd, row, 1});
        const dnnl::memory::desc kt_md({heads, hd, s}, dt::f32, {hd, 1, row});
        const dnnl::memory::desc s_md({heads, nq, s}, dt::f32, tag::abc);
        dnnl::matmul::primitive_desc qk_pd(dnnl::matmul::desc(q_md, kt_md, s_md), scale_attr, engine);
        dnnl::memory q_m(q_md, engine, q_base + q_row * row), kt_m(kt_md, engine, kv_base + kv_row * row + d),
            s_m(s_md, engine, scores.data_ptr());
        dnnl::matmul(qk_pd).execute(stream, {{DNNL_ARG_SRC, q_m}, {DNNL_ARG_WEIGHTS, kt_m}, {DNNL_ARG_DST, s_m}});
        stream.wait();
        at::Tensor s_view = scores.narrow(0, 0, heads * nq * s).view({heads * nq, s});
        at::Tensor p_view = probs.narrow(0, 0, heads * nq * s).view({heads * nq, s});
        at::_softmax_out(p_view, s_view, 1, /*half_to_float=*/false);
        // ctx rows [nq, heads, hd] = P [heads, nq, s] x V [heads, s, hd], written in place.
        const dnnl::memory::desc v_md({heads, s, hd}, dt::f32, {hd, row, 1});
        const dnnl::memory::desc c_md({heads, nq, hd}, dt::f32, {hd, d, 1});
        dnnl::matmul::primitive_desc av_pd(dnnl::matmul::desc(s_md, v_md, c_md), engine);
        dnnl::memory p_m(s_md, engine, probs.data_ptr()), v_m(v_md, engine, kv_base + kv_row * row + 2 * d),
            c_m(c_md, engine, ctx.data_ptr<float>() + q_row * d);
        dnnl::matmul(av_pd).execute(stream, {{DNNL_ARG_SRC, p_m}, {DNNL_ARG_WEIGHTS, v_m}, {DNNL_ARG_DST, c_m}});
        stream.wait();
      }
      kv_row += s;
      q_row += nq;
    }
  } catch (const dnnl::error&) {
    unsupported = true;
    return {};
  }
  return ctx;
#else
  (void)qkv; (void)lengths; (void)heads; (void)query_rows;
  return {};
#endif
}

}  // namespace dbn
