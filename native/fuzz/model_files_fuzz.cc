// libFuzzer harness for the model-file parsers (safetensors header + layout checks, and
// config.json), which read untrusted files. No libtorch: these parsers don't use it.
// The first byte picks the parser; the rest is the file. A finding is any crash, sanitizer
// report or exception other than dbn::Error. Build and run: tools/check/fuzz-model-files.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "core/config.h"
#include "core/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t which = data[0];
  ++data;
  --size;
  try {
    if (which & 1) {
      size_t data_offset = 0;
      auto entries = dbn::ParseSafetensors(data, size, "fuzz", &data_offset);
      // The invariants the loader relies on before wrapping memory as tensors.
      for (const auto& e : entries) {
        if (e.begin > e.end || data_offset + e.end > size) __builtin_trap();
      }
    } else {
      dbn::ModelConfig c = dbn::ParseConfig(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
      if (c.dim <= 0 || c.n_heads <= 0 || c.dim % c.n_heads != 0) __builtin_trap();
    }
  } catch (const dbn::Error&) {
    // Expected: a clear, typed rejection.
  }
  return 0;
}
