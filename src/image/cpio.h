// A deterministic cpio "newc" archive writer (the format the Linux kernel unpacks as an
// initramfs). Spec: docs/SPEC-image.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::image {

enum class CpioType { kDirectory, kRegular, kSymlink, kCharDevice };

struct CpioEntry {
  std::string path;  // relative, no leading '/', e.g. "bin/hello"
  CpioType type = CpioType::kRegular;
  std::uint32_t permissions = 0644;  // the low 12 bits of st_mode
  // File contents, or the symlink target; viewed, not copied: the caller keeps the bytes
  // alive until WriteCpioNewc returns.
  ByteView data;
  std::uint32_t rdev_major = 0;  // character devices only
  std::uint32_t rdev_minor = 0;
};

// Writes `entries` as a newc archive: sorted byte-wise by path, inode numbers from a
// counter (1, 2, ...), uid/gid 0, every mtime `mtime`, device numbers 0, nlink 2 for
// directories and 1 otherwise, then the TRAILER!!! entry. Every parent directory must be
// present as its own entry (use AddParentDirectories). Fails on duplicate paths, a path
// that is absolute, empty, has "." or ".." or empty components, or a missing parent.
Result<Bytes> WriteCpioNewc(std::vector<CpioEntry> entries, std::uint32_t mtime);

// Adds a directory entry (mode 0755) for every missing ancestor of every entry.
void AddParentDirectories(std::vector<CpioEntry>& entries);

// Checks that `path` is a clean relative archive path (see WriteCpioNewc).
Status ValidateArchivePath(const std::string& path);

}  // namespace vigil::image
