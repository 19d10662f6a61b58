// Reads a cpio "newc" archive strictly, for comparing initramfs images member by member
// (vigil reproduce names the member and header field that differ).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::image {

struct CpioMember {
  std::string name;
  std::uint32_t ino = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint32_t nlink = 0;
  std::uint32_t mtime = 0;
  std::uint32_t dev_major = 0;
  std::uint32_t dev_minor = 0;
  std::uint32_t rdev_major = 0;
  std::uint32_t rdev_minor = 0;
  ByteView data;  // views the archive
};

// Parses every member up to TRAILER!!! (which is not returned); the bytes after it must be
// zero padding, and no name may appear twice. Errors (kBadInput) name the offset and what is wrong.
Result<std::vector<CpioMember>> ReadCpioNewc(ByteView archive);

}  // namespace vigil::image
