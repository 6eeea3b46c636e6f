// Finds libtorch and the engine library built for it, and dlopen()s them: once per process,
// on the first loadModel (or runtimeInfo). Until then the addon maps no libtorch at all, so
// requiring the package and loading a tokenizer cost milliseconds and work without libtorch.
//
// Search order for libtorch (the first location that yields a loadable engine wins):
//   1. DBN_LIBTORCH (when set, the only place looked at), else LIBTORCH: a libtorch directory
//      (a libtorch zip's root, a wheel's torch/ folder, or a lib/ folder itself);
//   2. Debian's libtorch (/usr/lib/<multiarch>/libtorch.so.X.Y, packages libtorch1.13 ...);
//   3. an installed PyTorch wheel, located with python3 (find_spec('torch'): no import).
// Engine libraries: libdbn_engine-torch<MAJOR>.<MINOR>[-cuda].so next to the .node, or the
// one file DBN_ENGINE_PATH names. One whose name matches the libtorch version found is tried.
// For a directory location, libtorch's own libraries are dlopen()ed RTLD_GLOBAL first, so the
// engine's DT_NEEDED entries (libtorch.so, libc10.so ...) bind to them by soname; Debian's
// versioned sonames are found by the system loader itself.
#pragma once

#include <string>
#include <vector>

#include "engine/dbn_engine.h"

namespace dbn::addon {

struct EngineStatus {
  const DbnEngineApi* api = nullptr;  // null when no engine could be loaded
  std::string engine_path;            // the library loaded
  std::string libtorch_source;        // "DBN_LIBTORCH", "LIBTORCH", "debian", "pytorch-wheel"
  std::string libtorch_dir;           // where its libraries are
  std::string libtorch_version;       // as the location tells it ("" when it does not)
  std::vector<std::string> searched;  // each place looked at, and what was found there
  std::string error;                  // the DBN_NATIVE_UNAVAILABLE message, when api is null
};

// Loads on the first call (thread-safe; later calls return the same result, success or not).
const EngineStatus& LoadEngine();
// The engine, or throws Error(kNativeUnavailable) with what was searched and the remedies.
const DbnEngineApi& RequireEngine();
// The folder the addon (.node) was loaded from.
std::string AddonPath();

}  // namespace dbn::addon
