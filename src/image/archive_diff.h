// Explains how two initramfs archives differ: which member, which header field (mode, uid,
// gid, mtime, size, device numbers, inode) or its content. Used by `vigil reproduce`.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "image/compression_kind.h"
#include "image/cpio_reader.h"

namespace vigil::image {

// One line per difference, in archive order, e.g.
//   "bin/hello: content differs (sha256 3a1f... vs 9bc0...)"
//   "init: mtime 1700000000 vs 1700000001"
//   "etc/motd: only in the second archive"
// Empty when the member lists are equal.
std::vector<std::string> DiffCpioMembers(const std::vector<CpioMember>& first,
                                         const std::vector<CpioMember>& second);

// Decompresses both initramfs files (bounded at 1 GiB) and compares them member by member.
// When the archives are equal but the compressed bytes differ, says so.
Result<std::vector<std::string>> DiffInitramfs(ByteView first, ByteView second,
                                               Compression compression);

}  // namespace vigil::image
