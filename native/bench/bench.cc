// Native benchmark: times the encoder (and fill-mask) on the core library alone, without Node.
// Prints one JSON line per configuration.
#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "core/distilbert.h"
#include "core/owner_thread.h"

namespace {

struct Args {
  std::string model;
  std::string device = "cpu";
  std::string dtype = "float32";
  std::string workload = "encoder";  // encoder | fill-mask
  int batch = 8;
  int seq = 128;
  int iterations = 10;
  int warmup = 2;
  int threads = 0;
  std::vector<int> lengths;  // --lengths: one sequence per entry, instead of batch x seq
  bool owner_thread = false;  // run on a dbn::OwnerThread, as the addon does
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: dbn_bench --model DIR [--batch N] [--seq N] [--iterations N] "
               "[--warmup N] [--threads N] [--device cpu|cuda] [--dtype float32] "
               "[--workload encoder|fill-mask] [--owner-thread 0|1]\n"
               "       [--lengths L1,L2,...]  (a mixed-length batch instead of --batch x --seq)\n",
               why);
  std::exit(2);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
    const std::string v = argv[++i];
    auto num = [&](int* out) {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (*end != '\0' || n < 0) Usage(("bad number for " + flag + ": " + v).c_str());
      *out = static_cast<int>(n);
    };
    if (flag == "--model") a.model = v;
    else if (flag == "--device") a.device = v;
    else if (flag == "--dtype") a.dtype = v;
    else if (flag == "--workload") a.workload = v;
    else if (flag == "--batch") num(&a.batch);
    else if (flag == "--seq") num(&a.seq);
    else if (flag == "--iterations") num(&a.iterations);
    else if (flag == "--warmup") num(&a.warmup);
    else if (flag == "--threads") num(&a.threads);
    else if (flag == "--lengths") {
      size_t pos = 0;
      while (pos <= v.size()) {
        const size_t comma = std::min(v.find(',', pos), v.size());
        const std::string item = v.substr(pos, comma - pos);
        char* end = nullptr;
        const long n = std::strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || n < 3) Usage(("bad length in --lengths: " + item).c_str());
        a.lengths.push_back(static_cast<int>(n));
        pos = comma + 1;
      }
    }
    else if (flag == "--owner-thread") { int b = 0; num(&b); a.owner_thread = b != 0; }
    else Usage(("unknown flag " + flag).c_str());
  }
  if (a.model.empty()) Usage("--model is required");
  if (a.batch < 1 || a.seq < 3 || a.iterations < 1) Usage("batch >= 1, seq >= 3, iterations >= 1");
  return a;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t idx = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[idx];
}

}  // namespace

int Bench(const Args& args) {
  try {
    dbn::LoadOptions options;
    options.device = args.device;
    options.dtype = args.dtype;
    const auto t0 = std::chrono::steady_clock::now();
    auto model = dbn::DistilBert::Load(args.model, options);
    const double load_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

    // Random in-vocabulary ids framed by [CLS]/[SEP]; one [MASK] per sequence for fill-mask.
    std::mt19937 rng(42);
    std::uniform_int_distribution<int32_t> tok(1000, static_cast<int32_t>(model->config().vocab_size) - 1);
    dbn::TokenBatch batch;
    const std::vector<int> lengths =
        args.lengths.empty() ? std::vector<int>(args.batch, args.seq) : args.lengths;
    for (int len : lengths) {
      batch.ids.push_back(101);
      for (int j = 1; j < len - 1; ++j) batch.ids.push_back(j == len / 2 ? 103 : tok(rng));
      batch.ids.push_back(102);
      batch.lengths.push_back(len);
    }
    auto run = [&] {
      if (args.workload == "fill-mask") model->FillMask(batch, 103, 5, {});
      else model->Encode(batch).sum().item<float>();  // item() forces completion on any device
    };
    for (int i = 0; i < args.warmup; ++i) run();
    std::vector<double> ms;
    for (int i = 0; i < args.iterations; ++i) {
      const auto s = std::chrono::steady_clock::now();
      run();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count());
    }
    const double p50 = Percentile(ms, 0.5), p99 = Percentile(ms, 0.99);
    const auto& c = model->config();
    // 2 FLOPs per multiply-add in the encoder's matmuls (projections, FFN, attention).
    // Real tokens only: padding is not useful work.
    double tokens = 0, squares = 0;
    for (int len : lengths) {
      tokens += len;
      squares += static_cast<double>(len) * len;
    }
    const double flops = 2.0 * tokens * c.n_layers * (4.0 * c.dim * c.dim + 2.0 * c.dim * c.hidden_dim) +
                         2.0 * 2.0 * c.n_layers * squares * c.dim;
    std::printf(
        "{\"workload\":\"%s\",\"device\":\"%s\",\"dtype\":\"%s\",\"batch\":%d,\"seq\":%d,"
        "\"threads\":%d,\"iterations\":%d,\"load_ms\":%.1f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,"
        "\"seq_per_s\":%.2f,\"tokens\":%.0f,\"gflops\":%.1f}\n",
        args.workload.c_str(), model->device().c_str(), args.dtype.c_str(),
        static_cast<int>(lengths.size()), *std::max_element(lengths.begin(), lengths.end()),
        at::get_num_threads(), args.iterations, load_ms, p50, p99, lengths.size() * 1000.0 / p50,
        tokens, flops / (p50 * 1e6));
  } catch (const dbn::Error& e) {
    std::fprintf(stderr, "%s: %s\n", dbn::ErrorCodeName(e.code()), e.what());
    return 1;
  }
  return 0;
}

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  if (args.owner_thread) {
    // The addon's setup: a model-owning thread that sets the intra-op threads and InferenceMode.
    int rc = 0;
    {
      dbn::OwnerThread owner(args.threads, [](int n) { at::set_num_threads(n); });
      owner.Post([&] {
        c10::InferenceMode guard;
        rc = Bench(args);
      });
    }  // joins after the job
    return rc;
  }
  // libtorch's intra-op default here is 1 thread; use every core unless told otherwise.
  at::set_num_threads(args.threads > 0 ? args.threads
                                        : std::max(1u, std::thread::hardware_concurrency()));
  c10::InferenceMode guard;
  return Bench(args);
}
