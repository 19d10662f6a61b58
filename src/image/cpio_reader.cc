#include "image/cpio_reader.h"

#include <algorithm>
#include <set>

namespace vigil::image {
namespace {

constexpr std::size_t kHeaderSize = 110;
constexpr std::size_t kFieldCount = 13;
constexpr std::uint32_t kMaxNameSize = 4096;

std::size_t Pad4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

bool ParseHex8(std::string_view text, std::uint32_t& out) {
  out = 0;
  for (char c : text) {
    int v = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                     : -1;
    if (v < 0) return false;
    out = (out << 4) | static_cast<std::uint32_t>(v);
  }
  return true;
}

Error Bad(std::size_t offset, const std::string& what) {
  return Error::BadInput("cpio archive, offset " + std::to_string(offset) + ": " + what);
}

}  // namespace

Result<std::vector<CpioMember>> ReadCpioNewc(ByteView archive) {
  std::vector<CpioMember> members;
  std::set<std::string_view> names;  // views into `archive`
  std::size_t offset = 0;
  for (;;) {
    if (archive.size() - offset < kHeaderSize) return Bad(offset, "truncated header");
    std::string_view header = AsText(archive.subspan(offset, kHeaderSize));
    if (header.substr(0, 6) != "070701") return Bad(offset, "not a newc header (magic)");
    std::uint32_t fields[kFieldCount];
    for (std::size_t i = 0; i < kFieldCount; ++i) {
      if (!ParseHex8(header.substr(6 + 8 * i, 8), fields[i])) {
        return Bad(offset, "header field " + std::to_string(i) + " is not hex");
      }
    }
    const std::uint32_t file_size = fields[6];
    const std::uint32_t name_size = fields[11];
    if (name_size == 0 || name_size > kMaxNameSize) return Bad(offset, "bad name size");
    std::size_t name_at = offset + kHeaderSize;
    if (archive.size() - name_at < name_size) return Bad(offset, "truncated name");
    std::string_view name = AsText(archive.subspan(name_at, name_size));
    if (name.back() != '\0' || name.find('\0') != name.size() - 1) {
      return Bad(offset, "the name is not NUL-terminated");
    }
    name.remove_suffix(1);
    std::size_t data_at = Pad4(name_at + name_size);
    if (data_at > archive.size() || archive.size() - data_at < file_size) {
      return Bad(offset, "truncated data of '" + std::string(name) + "'");
    }
    if (name == "TRAILER!!!") {
      std::size_t end = Pad4(data_at + file_size);
      ByteView rest = archive.subspan(std::min(end, archive.size()));
      if (!std::all_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b == 0; })) {
        return Bad(end, "bytes after the trailer are not zero padding");
      }
      return members;
    }
    // Two members of one name are ambiguous (the kernel keeps the last; a comparison might
    // look at the first): an archive we read holds each name once.
    if (!names.insert(name).second) {
      return Bad(offset, "the member '" + std::string(name) +
                             "' appears twice; an archive holds each path once");
    }
    members.push_back({.name = std::string(name),
                       .ino = fields[0],
                       .mode = fields[1],
                       .uid = fields[2],
                       .gid = fields[3],
                       .nlink = fields[4],
                       .mtime = fields[5],
                       .dev_major = fields[7],
                       .dev_minor = fields[8],
                       .rdev_major = fields[9],
                       .rdev_minor = fields[10],
                       .data = archive.subspan(data_at, file_size)});
    offset = Pad4(data_at + file_size);
    if (offset > archive.size()) return Bad(offset, "truncated padding");
  }
}

}  // namespace vigil::image
