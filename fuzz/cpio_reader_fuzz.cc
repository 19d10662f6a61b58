// libFuzzer target: the cpio newc reader (image::ReadCpioNewc, used by vigil reproduce and the
// archive comparisons) on arbitrary bytes. Every member it accepts lies inside the archive
// with a bounded NUL-free name; and the members the writer can express (clean paths;
// directories, regular files, symlinks, character devices) written again by WriteCpioNewc
// read back with the same names, modes, times, device numbers and contents.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "image/cpio.h"
#include "image/cpio_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const vigil::ByteView input(data, size);
  auto members = vigil::image::ReadCpioNewc(input);
  if (!members.ok()) return 0;
  if (members->size() > size / 110) __builtin_trap();

  std::vector<vigil::image::CpioEntry> entries;
  std::set<std::string> seen;
  for (const vigil::image::CpioMember& member : *members) {
    if (member.name.size() >= 4096 || member.name.find('\0') != std::string::npos ||
        member.name == "TRAILER!!!") {
      __builtin_trap();
    }
    if (member.data.data() < input.data() ||
        member.data.data() + member.data.size() > input.data() + input.size()) {
      __builtin_trap();
    }
    vigil::image::CpioEntry entry{
        .path = member.name, .permissions = member.mode & 07777, .data = member.data};
    switch (member.mode & 0170000) {
      case 0040000:
        entry.type = vigil::image::CpioType::kDirectory;
        break;
      case 0100000:
        entry.type = vigil::image::CpioType::kRegular;
        break;
      case 0120000:
        entry.type = vigil::image::CpioType::kSymlink;
        break;
      case 0020000:
        entry.type = vigil::image::CpioType::kCharDevice;
        entry.rdev_major = member.rdev_major;
        entry.rdev_minor = member.rdev_minor;
        break;
      default:
        continue;
    }
    if (!vigil::image::ValidateArchivePath(entry.path).ok()) continue;
    if (!seen.insert(entry.path).second) continue;
    entries.push_back(entry);
  }
  if (entries.empty()) return 0;

  const std::uint32_t mtime = members->front().mtime;
  std::map<std::string, vigil::image::CpioEntry> expected;
  for (const auto& entry : entries) expected.emplace(entry.path, entry);
  vigil::image::AddParentDirectories(entries);
  auto written = vigil::image::WriteCpioNewc(entries, mtime);
  if (!written.ok()) return 0;  // e.g. a parent that is a file, or a directory with contents
  auto again = vigil::image::ReadCpioNewc(*written);
  if (!again.ok() || again->size() != entries.size()) __builtin_trap();
  for (const vigil::image::CpioMember& member : *again) {
    if (member.mtime != mtime || member.uid != 0 || member.gid != 0) __builtin_trap();
    auto found = expected.find(member.name);
    if (found == expected.end()) continue;  // an added parent directory
    const vigil::image::CpioEntry& entry = found->second;
    const auto original = std::find_if(members->begin(), members->end(),
                                       [&](const auto& m) { return m.name == entry.path; });
    if (member.mode != (original->mode & 0177777) || member.rdev_major != entry.rdev_major ||
        member.rdev_minor != entry.rdev_minor ||
        vigil::AsText(member.data) != vigil::AsText(entry.data)) {
      __builtin_trap();
    }
  }
  return 0;
}
