#include "image/cpio.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace vigil::image {
namespace {

// newc header: magic "070701" then 13 fields of 8 uppercase hex digits.
constexpr std::size_t kHeaderSize = 110;
constexpr char kTrailer[] = "TRAILER!!!";

std::uint32_t ModeBits(const CpioEntry& e) {
  std::uint32_t type = 0;
  switch (e.type) {
    case CpioType::kDirectory:
      type = 0040000;
      break;
    case CpioType::kRegular:
      type = 0100000;
      break;
    case CpioType::kSymlink:
      type = 0120000;
      break;
    case CpioType::kCharDevice:
      type = 0020000;
      break;
  }
  return type | (e.permissions & 07777);
}

void Pad4(Bytes& out) {
  while (out.size() % 4 != 0) out.push_back(0);
}

void AppendHeader(Bytes& out, std::uint32_t ino, std::uint32_t mode, std::uint32_t nlink,
                  std::uint32_t mtime, std::uint32_t filesize, std::uint32_t rdev_major,
                  std::uint32_t rdev_minor, const std::string& name) {
  char header[kHeaderSize + 1];
  std::snprintf(header, sizeof(header),
                "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino, mode, 0u /*uid*/,
                0u /*gid*/, nlink, mtime, filesize, 0u /*devmajor*/, 0u /*devminor*/, rdev_major,
                rdev_minor, static_cast<std::uint32_t>(name.size() + 1), 0u /*check*/);
  out.insert(out.end(), header, header + kHeaderSize);
  out.insert(out.end(), name.begin(), name.end());
  out.push_back(0);
  Pad4(out);
}

}  // namespace

Status ValidateArchivePath(const std::string& path) {
  if (path.empty()) return Error::BadInput("an archive path is empty");
  if (path.front() == '/') {
    return Error::BadInput("archive path '" + path + "' must be relative");
  }
  if (path.size() > 4095) return Error::BadInput("archive path is longer than 4095 bytes");
  // A member named TRAILER!!! ends a newc archive: the kernel would stop unpacking there. Its
  // first component is the only prefix (a parent directory the writer adds) that can be it.
  if (path.substr(0, path.find('/')) == "TRAILER!!!") {
    return Error::BadInput("archive path '" + path +
                           "' starts with TRAILER!!!, the name that ends a cpio archive; "
                           "choose another name");
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return Error::BadInput("archive path '" + path +
                             "' has an empty, '.' or '..' component; give a clean path");
    }
    // A name the kernel cannot create (over NAME_MAX) would leave the image unable to start
    // what it names; control characters would forge lines wherever the name is shown.
    if (part.size() > 255) {
      return Error::BadInput("archive path '" + path + "' has a component of " +
                             std::to_string(part.size()) + " bytes; at most 255");
    }
    for (char c : part) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7f) {
        return Error::BadInput("archive path '" + path +
                               "' contains a control character; use printable names");
      }
    }
    start = end + 1;
  }
  return OkStatus();
}

void AddParentDirectories(std::vector<CpioEntry>& entries) {
  std::set<std::string> present;
  for (const auto& e : entries) present.insert(e.path);
  std::vector<CpioEntry> added;
  for (const auto& e : entries) {
    std::size_t slash = e.path.rfind('/');
    while (slash != std::string::npos && slash > 0) {
      std::string parent = e.path.substr(0, slash);
      if (!present.insert(parent).second) break;
      added.push_back({.path = parent, .type = CpioType::kDirectory, .permissions = 0755});
      slash = parent.rfind('/');
    }
  }
  entries.insert(entries.end(), added.begin(), added.end());
}

Result<Bytes> WriteCpioNewc(std::vector<CpioEntry> entries, std::uint32_t mtime) {
  // Byte-wise order (std::string compares as unsigned char via char_traits), so the
  // archive does not depend on the locale or on the order inputs were given in.
  std::sort(entries.begin(), entries.end(),
            [](const CpioEntry& a, const CpioEntry& b) { return a.path < b.path; });
  std::set<std::string> directories;
  std::size_t total = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const CpioEntry& e = entries[i];
    VIGIL_RETURN_IF_ERROR(ValidateArchivePath(e.path));
    if (i > 0 && entries[i - 1].path == e.path) {
      return Error::BadInput("two entries have the archive path '" + e.path + "'");
    }
    std::size_t slash = e.path.rfind('/');
    if (slash != std::string::npos && directories.count(e.path.substr(0, slash)) == 0) {
      return Error::BadInput("the parent directory of '" + e.path +
                             "' is not in the archive (or is not a directory)");
    }
    if (e.type == CpioType::kDirectory) directories.insert(e.path);
    if (e.type == CpioType::kDirectory && !e.data.empty()) {
      return Error::BadInput("directory '" + e.path + "' cannot have contents");
    }
    if (e.data.size() > 0xffffffffu) {
      return Error::BadInput("'" + e.path + "' is larger than 4 GiB, the newc limit");
    }
    total += kHeaderSize + e.path.size() + 4 + e.data.size() + 4;
  }

  Bytes out;
  out.reserve(total + kHeaderSize + sizeof(kTrailer) + 512);
  std::uint32_t ino = 0;
  for (const CpioEntry& e : entries) {
    bool is_dir = e.type == CpioType::kDirectory;
    bool is_dev = e.type == CpioType::kCharDevice;
    AppendHeader(out, ++ino, ModeBits(e), is_dir ? 2 : 1, mtime,
                 static_cast<std::uint32_t>(e.data.size()), is_dev ? e.rdev_major : 0,
                 is_dev ? e.rdev_minor : 0, e.path);
    out.insert(out.end(), e.data.begin(), e.data.end());
    Pad4(out);
  }
  // The trailer has inode, mode and mtime 0 (as GNU cpio and the kernel's gen_init_cpio
  // write it) so it does not depend on the epoch.
  AppendHeader(out, 0, 0, 1, 0, 0, 0, 0, kTrailer);
  // Pad the archive to a 512-byte block, as GNU cpio does; the kernel skips the zeros.
  while (out.size() % 512 != 0) out.push_back(0);
  return out;
}

}  // namespace vigil::image
