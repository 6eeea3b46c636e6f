// Native tokenizer benchmark: encodes a corpus with dbn::Tokenizer alone (no Node), single
// thread and through EncodeBatch. Prints one JSON line per configuration.
//
//   tokenizer_bench --tokenizer DIR --corpus FILE [--iterations N] [--threads N]
//
// FILE is the binary corpus bench/tokenizer.js writes: per text a little-endian u32
// byte length, then the UTF-8 bytes (lone surrogates already replaced by U+FFFD, as N-API does).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "tokenizer/tokenizer.h"

namespace {

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: tokenizer_bench --tokenizer DIR --corpus FILE [--iterations N] "
               "[--threads N]\n",
               why);
  std::exit(2);
}

std::vector<std::string> ReadCorpus(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Usage(("cannot open " + path).c_str());
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> texts;
  size_t pos = 0;
  while (pos + 4 <= data.size()) {
    uint32_t n;
    std::memcpy(&n, data.data() + pos, 4);
    pos += 4;
    if (pos + n > data.size()) Usage("truncated corpus file");
    texts.emplace_back(data, pos, n);
    pos += n;
  }
  return texts;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, corpus;
  int iterations = 3;
  int threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value for " + flag).c_str());
    const std::string v = argv[++i];
    if (flag == "--tokenizer") dir = v;
    else if (flag == "--corpus") corpus = v;
    else if (flag == "--iterations") iterations = std::atoi(v.c_str());
    else if (flag == "--threads") threads = std::atoi(v.c_str());
    else Usage(("unknown flag " + flag).c_str());
  }
  if (dir.empty() || corpus.empty()) Usage("--tokenizer and --corpus are required");
  if (iterations < 1 || threads < 1) Usage("--iterations and --threads must be positive");
  try {
    const auto tok = dbn::Tokenizer::FromPath(dir);
    const std::vector<std::string> texts = ReadCorpus(corpus);
    size_t bytes = 0;
    for (const auto& t : texts) bytes += t.size();
    std::vector<dbn::BatchInput> batch;
    for (const auto& t : texts) batch.push_back({t, {}, false});
    dbn::EncodeOptions options;
    auto report = [&](const char* mode, int nthreads, auto&& run) {
      run();  // warm-up
      double best = 1e30;
      size_t tokens = 0;
      for (int it = 0; it < iterations; ++it) {
        const auto t0 = std::chrono::steady_clock::now();
        tokens = run();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (s < best) best = s;
      }
      std::printf(
          "{\"mode\":\"%s\",\"threads\":%d,\"texts\":%zu,\"bytes\":%zu,\"tokens\":%zu,"
          "\"seconds\":%.4f,\"tokens_per_s\":%.0f,\"mb_per_s\":%.2f}\n",
          mode, nthreads, texts.size(), bytes, tokens, best, tokens / best, bytes / best / 1e6);
      std::fflush(stdout);
    };
    report("encode", 1, [&] {
      size_t n = 0;
      for (const auto& t : texts) n += tok->Encode(t, options).ids.size();
      return n;
    });
    for (int th : {1, threads}) {
      report("encodeBatch", th, [&] {
        size_t n = 0;
        for (const auto& e : tok->EncodeBatch(batch, options, th)) n += e.ids.size();
        return n;
      });
      if (threads == 1) break;
    }
  } catch (const dbn::Error& e) {
    std::fprintf(stderr, "error [%s]: %s\n", dbn::ErrorCodeName(e.code()), e.what());
    return 1;
  }
  return 0;
}
