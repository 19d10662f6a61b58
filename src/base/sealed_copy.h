// A private copy of a file in a sealed memfd: once made, its bytes cannot change, whatever
// happens to the original (renamed over, rewritten in place). A child process that
// inherits the descriptor opens it as /proc/self/fd/N, so it reads exactly the bytes the
// parent checked.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vigil {

class SealedCopy {
 public:
  // Copies the regular file `path` (no symlink, at most `max_size` bytes) and seals the
  // copy against writes, shrinking and growing. The descriptor is inherited by children.
  static Result<SealedCopy> Create(const std::filesystem::path& path, std::uint64_t max_size);

  // The descriptor of the sealed copy (read it with pread: it has no shared offset to keep).
  int fd() const { return fd_.get(); }
  std::uint64_t size() const { return size_; }
  // The path under which a child that inherited fd() opens the copy.
  std::string ChildPath() const;

 private:
  SealedCopy(UniqueFd fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}

  UniqueFd fd_;
  std::uint64_t size_ = 0;
};

}  // namespace vigil
