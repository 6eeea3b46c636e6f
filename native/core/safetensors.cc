#include "core/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/read_file.h"

namespace dbn {
namespace {

using nlohmann::json;

// A header larger than this is not a DistilBERT checkpoint; refusing it bounds JSON parsing.
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

[[noreturn]] void Fail(const std::string& source, const std::string& what) {
  throw Error(ErrorCode::kModelLoadFailed,
              source + ": invalid safetensors file: " + what +
                  ". Re-export the checkpoint (e.g. save_pretrained(safe_serialization=True)).");
}

bool ParseDType(const std::string& s, DType* out) {
  static const std::pair<const char*, DType> kNames[] = {
      {"F32", DType::kF32}, {"F16", DType::kF16}, {"BF16", DType::kBF16},
      {"F64", DType::kF64}, {"I64", DType::kI64}, {"I32", DType::kI32}};
  for (const auto& [name, dtype] : kNames) {
    if (s == name) {
      *out = dtype;
      return true;
    }
  }
  return false;
}

}  // namespace

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kF32: case DType::kI32: return 4;
    case DType::kF16: case DType::kBF16: return 2;
    case DType::kF64: case DType::kI64: return 8;
  }
  return 0;
}

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    case DType::kF64: return "F64";
    case DType::kI64: return "I64";
    case DType::kI32: return "I32";
  }
  return "?";
}

std::vector<TensorEntry> ParseSafetensors(const uint8_t* bytes, size_t size,
                                          const std::string& source, size_t* data_offset) {
  if (size < 8) Fail(source, "file is " + std::to_string(size) + " bytes, shorter than the header");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | bytes[i];
  if (header_len > kMaxHeaderBytes || header_len > size - 8) {
    Fail(source, "header length " + std::to_string(header_len) + " exceeds the file size " +
                     std::to_string(size));
  }
  try {
    CheckJsonDepth(reinterpret_cast<const char*>(bytes + 8),
                   reinterpret_cast<const char*>(bytes + 8 + header_len), source,
                   ErrorCode::kModelLoadFailed);
  } catch (const Error&) {
    Fail(source, "the header nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  json header = json::parse(bytes + 8, bytes + 8 + header_len, nullptr, false);
  if (header.is_discarded() || !header.is_object()) Fail(source, "header is not a JSON object");

  const size_t data_size = size - 8 - header_len;
  std::vector<TensorEntry> entries;
  for (auto& [name, spec] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = "tensor \"" + name + "\"";
    if (!spec.is_object()) Fail(source, where + " is not an object");
    auto dt = spec.find("dtype");
    auto sh = spec.find("shape");
    auto off = spec.find("data_offsets");
    if (dt == spec.end() || !dt->is_string() || sh == spec.end() || !sh->is_array() ||
        off == spec.end() || !off->is_array() || off->size() != 2) {
      Fail(source, where + " needs dtype, shape and data_offsets [begin, end]");
    }
    TensorEntry e;
    e.name = name;
    if (!ParseDType(dt->get<std::string>(), &e.dtype)) {
      Fail(source, where + " has unsupported dtype " +
                       (dt->get_ref<const std::string&>().size() <= 16 ? dt->dump() : std::string("(a long string)")) +
                       " (supported: F32, F16, BF16, F64, I64, I32)");
    }
    uint64_t numel = 1;
    for (const auto& d : *sh) {
      if (!d.is_number_unsigned()) Fail(source, where + " has a non-integer dimension");
      const uint64_t v = d.get<uint64_t>();
      // No DistilBERT dimension comes near 2^31; larger ones (up to 2^64 - 1) would wrap
      // to negative int64 sizes in libtorch.
      if (v > (uint64_t{1} << 31)) Fail(source, where + " has a dimension of " + std::to_string(v));
      if (v != 0 && numel > std::numeric_limits<uint32_t>::max() / std::max<uint64_t>(v, 1) * 16) {
        Fail(source, where + " has an absurd shape");
      }
      numel *= v;
      e.shape.push_back(static_cast<int64_t>(v));
    }
    if (!(*off)[0].is_number_unsigned() || !(*off)[1].is_number_unsigned()) {
      Fail(source, where + " has non-integer data_offsets");
    }
    const uint64_t b = (*off)[0].get<uint64_t>(), en = (*off)[1].get<uint64_t>();
    if (b > en || en > data_size) {
      Fail(source, where + " data_offsets [" + std::to_string(b) + ", " + std::to_string(en) +
                       "] fall outside the data section of " + std::to_string(data_size) + " bytes");
    }
    if (en - b != numel * DTypeSize(e.dtype)) {
      Fail(source, where + " holds " + std::to_string(en - b) + " bytes but its shape and dtype need " +
                       std::to_string(numel * DTypeSize(e.dtype)));
    }
    e.begin = b;
    e.end = en;
    entries.push_back(std::move(e));
  }
  std::vector<const TensorEntry*> by_offset;
  for (const auto& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorEntry* a, const TensorEntry* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      Fail(source, "tensors \"" + by_offset[i - 1]->name + "\" and \"" + by_offset[i]->name +
                       "\" overlap");
    }
  }
  *data_offset = 8 + header_len;
  return entries;
}

std::shared_ptr<MappedFile> MappedFile::Open(const std::string& path) {
  struct stat st {};
  const int fd = OpenRegularFile(path, "the weights path", &st);
  const size_t size = static_cast<size_t>(st.st_size);
  void* p = nullptr;
  if (size > 0) {
    // MAP_PRIVATE + PROT_WRITE: tensors wrap these pages without a copy during the load; a
    // write (none is expected) would go to a private copy, never to the user's file.
    p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  }
  ::close(fd);
  if (p == MAP_FAILED) {
    throw Error(ErrorCode::kModelLoadFailed, "cannot map " + path + ": " + std::strerror(errno));
  }
  return std::shared_ptr<MappedFile>(new MappedFile(static_cast<uint8_t*>(p), size));
}

void MappedFile::Forget(size_t begin, size_t end) const {
  static const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const uintptr_t base = reinterpret_cast<uintptr_t>(data_);
  const uintptr_t first = (base + begin + page - 1) / page * page;
  const uintptr_t last = (base + std::min(end, size_)) / page * page;
  // Advice only: a failure leaves the pages resident until the unmap, nothing worse.
  if (data_ != nullptr && last > first) {
    ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
  }
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

SafetensorsFile SafetensorsFile::Open(const std::string& path) {
  SafetensorsFile f;
  f.file = MappedFile::Open(path);
  f.tensors = ParseSafetensors(f.file->data(), f.file->size(), path, &f.data_offset);
  return f;
}

}  // namespace dbn
