#include "image/archive_diff.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "base/hex.h"
#include "crypto/hash.h"
#include "image/compress.h"

namespace vigil::image {
namespace {

std::string ShortHash(ByteView data) { return HexEncode(crypto::Sha256(data)).substr(0, 16); }

void CompareField(std::vector<std::string>& out, const std::string& name, const char* field,
                  std::uint64_t a, std::uint64_t b, bool octal = false) {
  if (a == b) return;
  char text[96];
  std::snprintf(text, sizeof(text), octal ? "%s %llo vs %llo" : "%s %llu vs %llu", field,
                static_cast<unsigned long long>(a), static_cast<unsigned long long>(b));
  out.push_back(name + ": " + text);
}

void CompareMembers(std::vector<std::string>& out, const CpioMember& a, const CpioMember& b) {
  CompareField(out, a.name, "mode", a.mode, b.mode, /*octal=*/true);
  CompareField(out, a.name, "uid", a.uid, b.uid);
  CompareField(out, a.name, "gid", a.gid, b.gid);
  CompareField(out, a.name, "mtime", a.mtime, b.mtime);
  CompareField(out, a.name, "nlink", a.nlink, b.nlink);
  CompareField(out, a.name, "inode", a.ino, b.ino);
  CompareField(out, a.name, "dev major", a.dev_major, b.dev_major);
  CompareField(out, a.name, "dev minor", a.dev_minor, b.dev_minor);
  CompareField(out, a.name, "rdev major", a.rdev_major, b.rdev_major);
  CompareField(out, a.name, "rdev minor", a.rdev_minor, b.rdev_minor);
  CompareField(out, a.name, "size", a.data.size(), b.data.size());
  if (!std::equal(a.data.begin(), a.data.end(), b.data.begin(), b.data.end())) {
    out.push_back(a.name + ": content differs (sha256 " + ShortHash(a.data) + "... vs " +
                  ShortHash(b.data) + "...)");
  }
}

}  // namespace

std::vector<std::string> DiffCpioMembers(const std::vector<CpioMember>& first,
                                         const std::vector<CpioMember>& second) {
  std::vector<std::string> out;
  std::map<std::string, const CpioMember*> by_name;
  for (const auto& m : second) by_name.emplace(m.name, &m);
  std::map<std::string, bool> seen;
  for (const auto& a : first) {
    auto it = by_name.find(a.name);
    if (it == by_name.end()) {
      out.push_back(a.name + ": only in the first archive");
      continue;
    }
    seen[a.name] = true;
    CompareMembers(out, a, *it->second);
  }
  for (const auto& b : second) {
    if (!seen.count(b.name)) out.push_back(b.name + ": only in the second archive");
  }
  if (out.empty()) {
    for (std::size_t i = 0; i < first.size() && i < second.size(); ++i) {
      if (first[i].name != second[i].name) {
        out.push_back("member order differs from '" + first[i].name + "'");
        break;
      }
    }
  }
  return out;
}

Result<std::vector<std::string>> DiffInitramfs(ByteView first, ByteView second,
                                               Compression compression) {
  constexpr std::size_t kMaxArchive = std::size_t{1} << 30;
  VIGIL_ASSIGN_OR_RETURN(Bytes a, Decompress(first, compression, kMaxArchive));
  VIGIL_ASSIGN_OR_RETURN(Bytes b, Decompress(second, compression, kMaxArchive));
  auto members_a = ReadCpioNewc(a);
  if (!members_a.ok()) return members_a.error().WithContext("the first initramfs");
  auto members_b = ReadCpioNewc(b);
  if (!members_b.ok()) return members_b.error().WithContext("the second initramfs");
  std::vector<std::string> out = DiffCpioMembers(*members_a, *members_b);
  if (out.empty() && a != b)
    out.push_back("the archives hold the same members but differ in padding");
  if (out.empty() && !std::equal(first.begin(), first.end(), second.begin(), second.end())) {
    out.push_back("the archives are equal; only the " + CompressionName(compression) +
                  " compression differs");
  }
  return out;
}

}  // namespace vigil::image
