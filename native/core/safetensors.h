// safetensors reader: an 8-byte little-endian header length, a JSON header, then raw tensor
// bytes. Parsing is separate from libtorch so the fuzzer can drive it on plain buffers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dbn {

enum class DType { kF32, kF16, kBF16, kF64, kI64, kI32 };
size_t DTypeSize(DType dtype);
const char* DTypeName(DType dtype);

struct TensorEntry {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<int64_t> shape;
  size_t begin = 0;  // byte offset into the data section
  size_t end = 0;
};

// Validates the whole header against `size`: header length, JSON shape, dtype names, that each
// [begin, end) lies in the data section, matches prod(shape) * dtype size, and that no two
// ranges overlap. Throws Error(kModelLoadFailed) naming `source` and the offending tensor.
// On success, entries are in file order and *data_offset is where the data section starts.
std::vector<TensorEntry> ParseSafetensors(const uint8_t* bytes, size_t size,
                                          const std::string& source, size_t* data_offset);

// A read-only memory map of a whole file, for the duration of one load. Tensors may borrow its
// pages while the load runs (weights.h); none may outlive it: a mapped page read after the
// load would show the file's later changes, or SIGBUS once it is truncated.
class MappedFile {
 public:
  static std::shared_ptr<MappedFile> Open(const std::string& path);
  ~MappedFile();
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // Drops the pages lying wholly inside [data() + begin, data() + end) from this process
  // (MADV_DONTNEED; the page cache keeps them), once what was read there is packed or copied,
  // so the mapping does not add to the peak resident set. Reading them again is still safe.
  void Forget(size_t begin, size_t end) const;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

 private:
  MappedFile(uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t* data_;
  size_t size_;
};

struct SafetensorsFile {
  std::shared_ptr<MappedFile> file;
  size_t data_offset = 0;
  std::vector<TensorEntry> tensors;

  static SafetensorsFile Open(const std::string& path);
  const uint8_t* DataOf(const TensorEntry& entry) const {
    return file->data() + data_offset + entry.begin;
  }
};

}  // namespace dbn
