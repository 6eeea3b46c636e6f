// dbn_gemm_probe: float32 GEMM throughput of oneDNN on the encoder's shapes, as the engine runs
// them (weights packed once, bias, optional fused GELU or a residual "sum"), next to oneDNN's
// plain dnnl_sgemm. Rounds interleave the variants so machine drift hits them alike. Prints a
// markdown table of GFLOP/s (median of each variant's calls in a round).
//   dbn_gemm_probe [TOKENS=1024] [ROUNDS=3]
#include <oneapi/dnnl/dnnl.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

namespace {

using dnnl::memory;
using dt = memory::data_type;
using tag = memory::format_tag;

double MedianSeconds(const std::function<void()>& f, int calls = 10) {
  f();  // warm-up (and primitive creation)
  std::vector<double> s;
  for (int i = 0; i < calls; ++i) {
    const auto t = std::chrono::steady_clock::now();
    f();
    s.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(s.begin(), s.end());
  return s[s.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t m = argc > 1 ? std::atol(argv[1]) : 1024;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  if (m < 1 || rounds < 1) {
    std::fprintf(stderr, "usage: dbn_gemm_probe [TOKENS>=1] [ROUNDS>=1]\n");
    return 2;
  }
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream st(eng);
  const int64_t shapes[][2] = {{768, 2304}, {768, 768}, {768, 3072}, {3072, 768}};  // K, N
  const char* names[] = {"QKV", "attention output", "FFN in", "FFN out"};
  std::printf("| round | layer | M×K×N | packed | packed + GELU | packed + sum | dnnl_sgemm |\n");
  std::printf("|---:|---|---|---:|---:|---:|---:|\n");
  for (int round = 1; round <= rounds; ++round) {
    for (int i = 0; i < 4; ++i) {
      const int64_t k = shapes[i][0], n = shapes[i][1];
      const double flop = 2.0 * m * k * n;
      std::vector<float> a(m * k, 0.01f), w(n * k, 0.02f), c(m * n, 0.0f), bias(n, 0.1f);
      const memory::desc src({m, k}, dt::f32, tag::ab), dst({m, n}, dt::f32, tag::ab),
          any({k, n}, dt::f32, tag::any), plain({k, n}, dt::f32, tag::ba), bias_md({1, n}, dt::f32, tag::ab);
      auto make = [&](const dnnl::primitive_attr& attr) {
        return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src, any, bias_md, dst), attr, eng);
      };
      dnnl::primitive_attr none, gelu, sum;
      dnnl::post_ops g, s;
      g.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_erf, 0.0f, 0.0f);
      gelu.set_post_ops(g);
      s.append_sum(1.0f);
      sum.set_post_ops(s);
      const auto pd = make(none);
      memory packed(pd.weights_desc(), eng), w_m(plain, eng, w.data());
      dnnl::reorder(w_m, packed).execute(st, w_m, packed);
      st.wait();
      memory a_m(src, eng, a.data()), c_m(dst, eng, c.data()), b_m(bias_md, eng, bias.data());
      auto gflops = [&](const dnnl::matmul::primitive_desc& p) {
        dnnl::matmul mm(p);
        return flop / MedianSeconds([&] {
                 mm.execute(st, {{DNNL_ARG_SRC, a_m}, {DNNL_ARG_WEIGHTS, packed}, {DNNL_ARG_BIAS, b_m}, {DNNL_ARG_DST, c_m}});
                 st.wait();
               }) / 1e9;
      };
      const double p0 = gflops(pd), p1 = gflops(make(gelu)), p2 = gflops(make(sum));
      const double p3 = flop / MedianSeconds([&] {
                          dnnl_sgemm('N', 'T', m, n, k, 1.0f, a.data(), k, w.data(), k, 0.0f, c.data(), n);
                        }) / 1e9;
      std::printf("| %d | %s | %ld×%ld×%ld | %.0f | %.0f | %.0f | %.0f |\n", round, names[i],
                  static_cast<long>(m), static_cast<long>(k), static_cast<long>(n), p0, p1, p2, p3);
    }
  }
  return 0;
}
