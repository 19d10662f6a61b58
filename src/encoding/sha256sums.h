// SHA256SUMS: the manifest of an output directory, in sha256sum's text format
// ("<64 lowercase hex>  <name>\n" per file, sorted by name).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace vigil::encoding {

struct SumEntry {
  std::string name;
  std::string sha256;  // lowercase hex
};

// Formats entries (they must be sorted by name and unique).
std::string FormatSums(const std::vector<SumEntry>& entries);

// Parses strictly: exactly the format above, names without '/', sorted, unique, at most
// 4096 lines. Returns name -> sha256.
Result<std::map<std::string, std::string>> ParseSums(std::string_view text);

using Sums = std::map<std::string, std::string>;  // name -> lowercase hex SHA-256

// Reads and parses DIR/SHA256SUMS (no symlink, at most 1 MiB). kBadInput when it is
// missing or malformed.
Result<Sums> ReadSums(const std::filesystem::path& dir);

// Checks that `name` is listed in `sums` (read from DIR/SHA256SUMS) with the SHA-256
// `actual` (hex): kBadInput when it is not listed, kFailed when the hash differs.
Status CheckListed(const Sums& sums, const std::filesystem::path& dir, const std::string& name,
                   const std::string& actual);

}  // namespace vigil::encoding
