#include "encoding/dist_manifest.h"

#include <map>
#include <set>
#include <vector>

#include "base/file.h"
#include "crypto/file_hash.h"
#include "encoding/sha256sums.h"

namespace vigil::encoding {
namespace {

constexpr std::uint64_t kMaxSumsSize = 1 << 20;
constexpr std::uint64_t kMaxListedFile = 4ull << 30;
constexpr std::size_t kMaxEntries = 4096;

}  // namespace

Result<std::string> CheckDistManifest(const fs::path& dist) {
  std::error_code ec;
  if (fs::symlink_status(dist, ec).type() != fs::file_type::directory) {
    return Error::BadInput(dist.string() + " is not a directory");
  }
  // Problems are collected, not returned at the first, so one run names every bad file.
  std::vector<std::string> problems;
  std::set<std::string> present;
  bool has_sums = false;
  fs::directory_iterator it(dist, ec);
  if (ec) return Error::BadInput("cannot list " + dist.string() + ": " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (present.size() + problems.size() > kMaxEntries) {
      return Error::BadInput(dist.string() + " has more than 4096 entries");
    }
    std::string name = it->path().filename().string();
    fs::file_type type = it->symlink_status(ec).type();
    if (ec) return Error::BadInput("cannot stat " + it->path().string() + ": " + ec.message());
    if (name == kSignaturesDir) {
      if (type != fs::file_type::directory) problems.push_back(name + " is not a directory");
      continue;
    }
    if (type == fs::file_type::symlink) {
      problems.push_back("symlink '" + name + "'");
    } else if (type == fs::file_type::directory) {
      problems.push_back("subdirectory '" + name + "'");
    } else if (type != fs::file_type::regular) {
      problems.push_back("special file '" + name + "'");
    } else if (name == kSumsName) {
      has_sums = true;
    } else {
      present.insert(name);
    }
  }
  if (ec) return Error::BadInput("cannot list " + dist.string() + ": " + ec.message());
  if (!has_sums) {
    return Error::BadInput(dist.string() +
                           " has no regular file SHA256SUMS; give an output directory of "
                           "`vigil image build`");
  }

  auto sums_bytes = ReadFile(dist / kSumsName, kMaxSumsSize, /*allow_symlink=*/false);
  if (!sums_bytes.ok()) return sums_bytes.error();
  std::string sums_text(AsText(*sums_bytes));
  auto sums = ParseSums(sums_text);
  if (!sums.ok()) return sums.error().WithContext(dist.string());

  for (const auto& [name, sha256] : *sums) {
    if (name == kSumsName || name == kSignaturesDir) {
      problems.push_back("SHA256SUMS lists the reserved name '" + name + "'");
    } else if (!present.contains(name)) {
      problems.push_back("missing file '" + name + "'");
    }
  }
  for (const auto& name : present) {
    auto listed = sums->find(name);
    if (listed == sums->end()) {
      problems.push_back("extra file '" + name + "' (not listed)");
      continue;
    }
    // Streamed: released files (kernels, EIFs) need not fit in memory to be checked.
    auto hashed = crypto::Sha256OfFile(dist / name, kMaxListedFile);
    if (!hashed.ok()) {
      problems.push_back("unreadable file '" + name + "': " + hashed.error().message());
      continue;
    }
    if (*hashed != listed->second) {
      problems.push_back("modified file '" + name + "' (SHA-256 " + crypto::Sha256Hex(*hashed) +
                         ", listed " + crypto::Sha256Hex(listed->second) + ")");
    }
  }
  if (!problems.empty()) {
    std::string message = dist.string() + " does not match its SHA256SUMS: ";
    for (std::size_t i = 0; i < problems.size(); ++i) {
      message += (i == 0 ? "" : "; ") + problems[i];
    }
    return Error::Failed(message);
  }
  return sums_text;
}

}  // namespace vigil::encoding
