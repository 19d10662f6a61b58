// Files: bounded reads, atomic writes (temp file, fsync, rename, fsync of the directory),
// and temporary directories that remove themselves unless committed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "base/unique_fd.h"

namespace vigil {

namespace fs = std::filesystem;

// An input file opened for reading: a regular file of at most `max_size` bytes (its size in
// `size`). Refuses symlinks when `allow_symlink` is false, FIFOs and devices without blocking
// on them, and says what to do about each refusal.
struct InputFile {
  UniqueFd fd;
  std::uint64_t size = 0;
};
Result<InputFile> OpenInputFile(const fs::path& path, std::uint64_t max_size,
                                bool allow_symlink = true);

// Reads a regular file of at most `max_size` bytes. Refuses symlinks when `allow_symlink`
// is false, so a pinned input cannot be redirected after it was checked.
Result<Bytes> ReadFile(const fs::path& path, std::uint64_t max_size, bool allow_symlink = true);

// Writes `data` to `path` atomically with the given mode: a temporary file in the same
// directory, fsync, rename over `path`, fsync of the directory.
Status WriteFileAtomic(const fs::path& path, ByteView data, unsigned mode = 0644);
// The same for a file given as consecutive pieces (written in order, not copied first).
Status WriteFileAtomic(const fs::path& path, std::span<const ByteView> pieces,
                       unsigned mode = 0644);

// Like WriteFileAtomic, but never replaces an existing `path`, even one created meanwhile
// (renameat2 RENAME_NOREPLACE): kBadInput when it exists. On any failure nothing is left.
Status CreateFileAtomic(const fs::path& path, ByteView data, unsigned mode);
Status CreateFileAtomic(const fs::path& path, std::span<const ByteView> pieces, unsigned mode);

// Flushes a directory's entries to disk.
Status FsyncDirectory(const fs::path& dir);

// A directory created with mkdtemp; removed with its contents on destruction unless
// Release() was called.
class TempDir {
 public:
  // Creates `<parent>/<prefix>XXXXXX`.
  static Result<TempDir> Create(const fs::path& parent, const std::string& prefix);

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const fs::path& path() const { return path_; }
  // Keeps the directory: the destructor will not remove it.
  void Release() { path_.clear(); }

 private:
  explicit TempDir(fs::path path) : path_(std::move(path)) {}
  fs::path path_;
};

// Moves a finished directory `from` to `to` (which must not exist) with rename(2) and
// flushes the parent, so readers see either nothing or the whole directory.
Status PublishDirectory(const fs::path& from, const fs::path& to);

}  // namespace vigil
