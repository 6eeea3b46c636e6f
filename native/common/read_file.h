// Reading the small files of a checkpoint (config.json, tokenizer.json, vocab.txt,
// tokenizer_config.json) and paths from the user, defensively: only regular files are
// opened (a FIFO would block forever, /dev/zero would be read until memory runs out), what is
// read is bounded, and JSON nesting is bounded before any parser sees the text (deep nesting
// is recursion in a parser, a destructor or a dump). Header-only: the tokenizer links no core.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "common/error.h"

namespace dbn {

// Largest text file read: the biggest BERT-family tokenizer.json is a few MB.
inline constexpr size_t kMaxTextFileBytes = 64u << 20;
// Deepest JSON accepted: configs and tokenizers nest to about 6.
inline constexpr size_t kMaxJsonDepth = 64;

// Throws kInvalidArgument when `path` holds a NUL byte: C APIs would read the shorter path
// before it and open another file (Node's fs rejects such paths too). `what` names it.
inline void CheckPath(const std::string& path, const char* what) {
  if (path.find('\0') != std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument,
                std::string(what) + " contains a NUL byte; pass a path without one");
  }
}

// stat() follows symlinks: a link to a regular file is one, a link to /dev/zero is not.
inline bool IsRegularFile(const std::string& path) {
  struct stat st {};
  return path.find('\0') == std::string::npos && ::stat(path.c_str(), &st) == 0 &&
         S_ISREG(st.st_mode);
}
inline bool IsDirectory(const std::string& path) {
  struct stat st {};
  return path.find('\0') == std::string::npos && ::stat(path.c_str(), &st) == 0 &&
         S_ISDIR(st.st_mode);
}

// Opens `path` for reading if it is a regular file, without blocking (a FIFO with no writer
// fails the type check instead of hanging); fills *st. Throws kInvalidArgument for a NUL in the
// path (`what` names it), kModelLoadFailed when it cannot be opened or is not a regular file.
// The caller closes the descriptor.
inline int OpenRegularFile(const std::string& path, const char* what, struct stat* st) {
  CheckPath(path, what);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    throw Error(ErrorCode::kModelLoadFailed, "cannot open " + path + ": " + std::strerror(errno));
  }
  if (::fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
    ::close(fd);
    throw Error(ErrorCode::kModelLoadFailed, path + " is not a regular file");
  }
  return fd;
}

// The whole of a regular file of at most `max_bytes`. Throws kModelLoadFailed for anything
// else (missing, a directory, a FIFO, a device, too large), without blocking: the open is
// non-blocking, so a FIFO with no writer fails at the type check instead of hanging.
inline std::string ReadTextFile(const std::string& path, size_t max_bytes = kMaxTextFileBytes) {
  struct stat st {};
  const int fd = OpenRegularFile(path, "the path", &st);
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    ::close(fd);
    throw Error(ErrorCode::kModelLoadFailed,
                path + " is " + std::to_string(st.st_size) + " bytes; at most " +
                    std::to_string(max_bytes) + " are accepted for this file");
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  // Read to the stat size and one byte more, so a file that grows while read is caught.
  char extra = 0;
  for (;;) {
    char* dst = got < out.size() ? &out[got] : &extra;
    const size_t want = got < out.size() ? out.size() - got : 1;
    const ssize_t n = ::read(fd, dst, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw Error(ErrorCode::kModelLoadFailed, "cannot read " + path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    if (got >= out.size()) {
      ::close(fd);
      throw Error(ErrorCode::kModelLoadFailed, path + " changed size while it was read");
    }
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

// Throws `code` when [begin, end) nests arrays/objects deeper than `max_depth` (strings, with
// their escapes, are skipped). Linear, no recursion; run before parsing.
inline void CheckJsonDepth(const char* begin, const char* end, const std::string& source,
                           ErrorCode code, size_t max_depth = kMaxJsonDepth) {
  size_t depth = 0;
  bool in_string = false;
  for (const char* p = begin; p < end; ++p) {
    const char c = *p;
    if (in_string) {
      if (c == '\\') ++p;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        throw Error(code, source + ": JSON nests deeper than " + std::to_string(max_depth) +
                              " levels; this is not a checkpoint file");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

}  // namespace dbn
