#include "encoding/sha256sums.h"

#include <algorithm>

#include "base/file.h"
#include "crypto/hash.h"

namespace vigil::encoding {
namespace {

constexpr std::size_t kMaxLines = 4096;
constexpr std::uint64_t kMaxSumsSize = 1 << 20;

}  // namespace

std::string FormatSums(const std::vector<SumEntry>& entries) {
  std::string out;
  for (const auto& e : entries) out += e.hex() + "  " + e.name + "\n";
  return out;
}

Result<Sums> ParseSums(std::string_view text) {
  Sums sums;
  std::string previous;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    std::size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      return Error::BadInput("SHA256SUMS line " + std::to_string(line_number) +
                             " does not end with a newline");
    }
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end + 1);
    if (line_number > kMaxLines) return Error::BadInput("SHA256SUMS has too many lines");
    auto bad = [line_number](const std::string& what) {
      return Error::BadInput("SHA256SUMS line " + std::to_string(line_number) + ": " + what);
    };
    if (!line.empty() && line.back() == '\r') {
      return bad(
          "ends with a carriage return (CRLF line endings); SHA256SUMS lines end with "
          "a line feed only, as sha256sum writes them (remove the carriage returns, "
          "e.g. with dos2unix)");
    }
    if (line.size() < 67 || line.substr(64, 2) != "  " ||
        !crypto::IsSha256Hex(line.substr(0, 64))) {
      return bad("expected '<64 lowercase hex digits>  <name>'");
    }
    std::string name(line.substr(66));
    if (name.find('/') != std::string::npos || name == "." || name == "..") {
      return bad("'" + name + "' is not a plain file name");
    }
    if (std::any_of(name.begin(), name.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
      return bad("the name holds a control character; release file names are printable");
    }
    if (!previous.empty() && name <= previous) {
      return bad("names must be sorted and unique ('" + name + "' after '" + previous + "')");
    }
    previous = name;
    sums.emplace(name, *crypto::ParseSha256Hex(line.substr(0, 64)));
  }
  return sums;
}

Result<Sums> ReadSums(const std::filesystem::path& dir) {
  auto text = ReadFile(dir / "SHA256SUMS", kMaxSumsSize, /*allow_symlink=*/false);
  if (!text.ok()) return text.error().WithContext("cannot check " + dir.string());
  return ParseSums(AsText(*text));
}

Status CheckListed(const Sums& sums, const std::filesystem::path& dir, const std::string& name,
                   const crypto::Sha256Digest& actual) {
  auto listed = sums.find(name);
  if (listed == sums.end()) {
    return Error::BadInput(name + " is not listed in " + (dir / "SHA256SUMS").string());
  }
  if (actual != listed->second) {
    return Error::Failed((dir / name).string() + " has SHA-256 " + crypto::Sha256Hex(actual) +
                         " but SHA256SUMS lists " + crypto::Sha256Hex(listed->second) +
                         "; the directory was modified after it was built");
  }
  return OkStatus();
}

}  // namespace vigil::encoding
