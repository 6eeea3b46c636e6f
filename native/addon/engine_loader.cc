#include "addon/engine_loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/error.h"
#include "core/owner_thread.h"

namespace dbn::addon {
namespace {

#if defined(__x86_64__)
constexpr const char* kMultiarch = "x86_64-linux-gnu";
#elif defined(__aarch64__)
constexpr const char* kMultiarch = "aarch64-linux-gnu";
#else
constexpr const char* kMultiarch = "";
#endif

bool IsDir(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool IsFile(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> List(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) names.emplace_back(e->d_name);
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

std::string Dirname(const std::string& p) {
  const auto slash = p.find_last_of('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

std::string Basename(const std::string& p) {
  const auto slash = p.find_last_of('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// "2.1.0+cu121" -> "2.1"; "" when it does not start like a version.
std::string MajorMinor(const std::string& v) {
  size_t dot = v.find('.');
  if (dot == std::string::npos || dot == 0) return "";
  size_t end = dot + 1;
  while (end < v.size() && std::isdigit(static_cast<unsigned char>(v[end]))) ++end;
  if (end == dot + 1) return "";
  return v.substr(0, end);
}

// `__version__ = '2.1.0+cu121'` (a wheel's torch/version.py) or a libtorch zip's build-version.
std::string ReadVersionFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  auto at = text.find("__version__");
  if (at != std::string::npos) {
    auto q = text.find_first_of("'\"", at);
    if (q == std::string::npos) return "";
    auto e = text.find(text[q], q + 1);
    return e == std::string::npos ? "" : text.substr(q + 1, e - q - 1);
  }
  std::string first = text.substr(0, text.find('\n'));
  return MajorMinor(first).empty() ? "" : first;
}

// A libtorch location, before anything is loaded from it.
struct Location {
  std::string source;       // "DBN_LIBTORCH", "LIBTORCH", "debian", "pytorch-wheel"
  std::string description;  // for the report
  std::string lib_dir;      // "" when not found
  std::string version;      // full version when known
  std::string soname_suffix;  // ".1.13" when its libraries have versioned sonames
  bool system = false;      // the system loader finds it by soname: nothing to preload
  std::string why_not;      // when lib_dir is ""
};

// The libtorch.so.X.Y in a directory, if any: "X.Y".
std::string VersionedSoname(const std::string& dir) {
  for (const auto& n : List(dir)) {
    if (n.rfind("libtorch.so.", 0) != 0) continue;
    const std::string v = n.substr(12);
    if (std::count(v.begin(), v.end(), '.') == 1 && MajorMinor(v) == v) return v;
  }
  return "";
}

Location FromDirectory(const std::string& source, const std::string& dir) {
  Location loc;
  loc.source = source;
  loc.description = source + "=" + dir;
  if (!IsDir(dir)) {
    loc.why_not = "no such directory";
    return loc;
  }
  const std::string lib = IsDir(dir + "/lib") ? dir + "/lib" : dir;
  const std::string so = VersionedSoname(lib);
  if (!IsFile(lib + "/libtorch.so") && so.empty()) {
    loc.why_not = "no libtorch.so in " + lib;
    return loc;
  }
  loc.lib_dir = lib;
  if (!so.empty()) {
    loc.version = so;
    loc.soname_suffix = "." + so;
  }
  // A wheel's torch/ (version.py), a libtorch zip (build-version), or their lib/ folder.
  for (const std::string& f : {dir + "/version.py", dir + "/build-version", Dirname(lib) + "/version.py",
                               Dirname(lib) + "/build-version"}) {
    if (!loc.version.empty()) break;
    loc.version = ReadVersionFile(f);
  }
  return loc;
}

Location Debian() {
  Location loc;
  loc.source = "debian";
  const std::string dir = std::string("/usr/lib/") + kMultiarch;
  loc.description = "Debian's libtorch (" + dir + "/libtorch.so.X.Y)";
  const std::string v = VersionedSoname(dir);
  if (v.empty()) {
    loc.why_not = "not installed";
    return loc;
  }
  loc.lib_dir = dir;
  loc.version = v;
  loc.soname_suffix = "." + v;
  loc.system = true;
  return loc;
}

Location Wheel() {
  Location loc;
  loc.source = "pytorch-wheel";
  loc.description = "a PyTorch wheel (python3 -c 'import torch')";
  // find_spec locates the package without importing it (importing torch takes a second).
  FILE* p = popen("python3 -c \"import importlib.util as u; s = u.find_spec('torch'); "
                  "print(s.submodule_search_locations[0] if s and s.submodule_search_locations else '')\" "
                  "2>/dev/null", "r");
  std::string out;
  if (p != nullptr) {
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int rc = pclose(p);
    if (rc != 0 && out.empty()) {
      loc.why_not = "python3 not found (or it failed)";
      return loc;
    }
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  if (out.empty()) {
    if (loc.why_not.empty()) loc.why_not = "python3 has no torch module";
    return loc;
  }
  Location d = FromDirectory("pytorch-wheel", out);
  d.description = loc.description + " at " + out;
  return d;
}

struct EngineFile {
  std::string path;
  std::string flavour;  // "torch1.13", "torch2.5-cuda"
};

std::vector<EngineFile> EngineFiles(const std::string& dir) {
  std::vector<EngineFile> out;
  const std::string prefix = "libdbn_engine-";
  for (const auto& n : List(dir)) {
    if (n.rfind(prefix, 0) != 0 || n.size() <= prefix.size() + 3 || n.compare(n.size() - 3, 3, ".so") != 0) continue;
    out.push_back({dir + "/" + n, n.substr(prefix.size(), n.size() - prefix.size() - 3)});
  }
  return out;
}

// The flavour's libtorch version ("torch2.5-cuda" -> "2.5").
std::string FlavourVersion(const std::string& flavour) {
  if (flavour.rfind("torch", 0) != 0) return "";
  return MajorMinor(flavour.substr(5));
}

// dlopen()s libtorch's own libraries RTLD_GLOBAL (so the engine's DT_NEEDED entries bind to
// these by soname). Once this succeeds, the process holds this libtorch for good.
bool Preload(const Location& loc, std::string* error) {
  struct Lib {
    const char* name;
    bool required;
  };
  for (const Lib& l : {Lib{"libc10", true}, Lib{"libtorch_cpu", true}, Lib{"libc10_cuda", false},
                       Lib{"libtorch_cuda", false}, Lib{"libtorch", true}}) {
    const std::string path = loc.lib_dir + "/" + l.name + ".so" + loc.soname_suffix;
    if (!IsFile(path)) {
      if (!l.required) continue;
      *error = "missing " + path;
      return false;
    }
    if (dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
      const char* e = dlerror();
      *error = e != nullptr ? e : ("cannot load " + path);
      return false;
    }
  }
  return true;
}

std::string JoinNumbered(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) s += "; ";
    s += "(" + std::to_string(i + 1) + ") " + items[i];
  }
  return s;
}

EngineStatus Search() {
  EngineStatus st;
  const std::string override_path = Env("DBN_ENGINE_PATH");
  const std::string dir = Dirname(AddonPath());
  std::vector<EngineFile> engines;
  if (!override_path.empty()) {
    std::string name = Basename(override_path);
    std::string flavour = name.rfind("libdbn_engine-", 0) == 0 && name.size() > 17
                              ? name.substr(14, name.size() - 17) : "";
    engines.push_back({override_path, flavour});
  } else {
    engines = EngineFiles(dir);
  }
  std::string have;
  for (const auto& e : engines) have += (have.empty() ? "" : ", ") + Basename(e.path);
  const std::string where = override_path.empty() ? "engine libraries in " + dir + ": " + (have.empty() ? "none" : have)
                                                  : "DBN_ENGINE_PATH=" + override_path;

  std::vector<Location> locations;
  const std::string dbn_libtorch = Env("DBN_LIBTORCH");
  if (!dbn_libtorch.empty()) {
    locations.push_back(FromDirectory("DBN_LIBTORCH", dbn_libtorch));
  } else {
    const std::string libtorch = Env("LIBTORCH");
    if (libtorch.empty()) {
      st.searched.push_back("DBN_LIBTORCH / LIBTORCH: not set");
    } else {
      locations.push_back(FromDirectory("LIBTORCH", libtorch));
    }
    locations.push_back(Debian());
  }

  bool committed = false;  // a libtorch was preloaded: no other may be tried
  bool wheel_looked = !dbn_libtorch.empty();
  for (size_t i = 0; i <= locations.size() && !committed; ++i) {
    // The wheel is looked for only when nothing before it worked (it runs python3).
    if (i == locations.size()) {
      if (wheel_looked) break;
      wheel_looked = true;
      locations.push_back(Wheel());
    }
    const Location& loc = locations[i];
    if (loc.lib_dir.empty()) {
      st.searched.push_back(loc.description + ": " + loc.why_not);
      continue;
    }
    const std::string mm = MajorMinor(loc.version);
    std::vector<const EngineFile*> fit;
    const bool has_cuda = IsFile(loc.lib_dir + "/libtorch_cuda.so" + loc.soname_suffix);
    for (const auto& e : engines) {
      const std::string fv = FlavourVersion(e.flavour);
      if (!override_path.empty() || mm.empty() || fv.empty() || fv == mm) fit.push_back(&e);
    }
    // With libtorch_cuda present, a -cuda engine first; without it, CPU ones first.
    std::stable_sort(fit.begin(), fit.end(), [&](const EngineFile* a, const EngineFile* b) {
      const bool ca = a->flavour.find("-cuda") != std::string::npos;
      const bool cb = b->flavour.find("-cuda") != std::string::npos;
      return has_cuda ? (ca && !cb) : (!ca && cb);
    });
    const std::string found = loc.description + ": libtorch " + (loc.version.empty() ? "(version unknown)" : loc.version) +
                              " in " + loc.lib_dir;
    if (fit.empty()) {
      st.searched.push_back(found + ", but no engine library is built for it (" + where + ")");
      continue;
    }
    if (!loc.system) {
      std::string why;
      committed = true;
      if (!Preload(loc, &why)) {
        st.searched.push_back(found + ", but its libraries did not load: " + why);
        break;
      }
    }
    std::string failures;
    for (const EngineFile* e : fit) {
      void* h = dlopen(e->path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (h == nullptr) {
        const char* why = dlerror();
        failures += "; " + Basename(e->path) + ": " + (why != nullptr ? why : "cannot load");
        continue;
      }
      auto fn = reinterpret_cast<DbnEngineApiFn>(dlsym(h, DBN_ENGINE_API_SYMBOL));
      const DbnEngineApi* api = fn != nullptr ? fn(DBN_ENGINE_ABI_VERSION) : nullptr;
      if (api == nullptr) {
        failures += "; " + Basename(e->path) + ": speaks another engine ABI (want version " +
                    std::to_string(DBN_ENGINE_ABI_VERSION) + ")";
        continue;  // never dlclose()d: unloading a library that ran libtorch's initializers is unsafe
      }
      st.api = api;
      st.engine_path = e->path;
      st.libtorch_source = loc.source;
      st.libtorch_dir = loc.lib_dir;
      st.libtorch_version = loc.version.empty() ? api->libtorch_version : loc.version;
      st.searched.push_back(found + ": loaded " + e->path);
      // libtorch's static destructors were registered just now, after the first owner thread
      // registered AbandonAll: register it again so it runs before them at exit().
      std::atexit(&OwnerThread::AbandonAll);
      return st;
    }
    st.searched.push_back(found + ", but no engine library loaded against it" + failures);
  }
  if (committed && st.api == nullptr) {
    st.searched.push_back("(no other libtorch was tried: one is loaded into this process now)");
  }
  st.error =
      "models cannot run here: no usable libtorch and engine library were found (tokenizers still work). Searched: " +
      JoinNumbered(st.searched) + ". Engine: " + where + ". To fix: " +
      JoinNumbered({"on Debian 12 / Ubuntu, install the runtime libraries: apt-get install --no-install-recommends "
                    "libtorch1.13 libdnnl2 libopenblas0-openmp",
                    "or pip install torch, and build an engine library for its version: npm install --save-dev "
                    "cmake-js node-addon-api node-api-headers && npm rebuild distilbert-native --build-from-source",
                    "or set DBN_LIBTORCH to a libtorch directory (its lib/ holds libtorch.so) of a version an "
                    "engine library was built for (DBN_ENGINE_PATH names an engine library file)",
                    "run `npx distilbert-native doctor` to see what was found"}) + ".";
  return st;
}

}  // namespace

std::string AddonPath() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&AddonPath), &info) != 0 && info.dli_fname != nullptr) {
    return info.dli_fname;
  }
  return "";
}

const EngineStatus& LoadEngine() {
  static const EngineStatus* status = new EngineStatus(Search());  // never freed: see Preload
  return *status;
}

const DbnEngineApi& RequireEngine() {
  const EngineStatus& st = LoadEngine();
  if (st.api == nullptr) throw Error(ErrorCode::kNativeUnavailable, st.error);
  return *st.api;
}

}  // namespace dbn::addon
