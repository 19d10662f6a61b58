// SHA256SUMS: the manifest of an output directory, in sha256sum's text format
// ("<64 lowercase hex>  <name>\n" per file, sorted by name).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/named_digest.h"

namespace vigil::encoding {

using SumEntry = crypto::NamedDigest;

// Formats entries (they must be sorted by name and unique).
std::string FormatSums(const std::vector<SumEntry>& entries);

// Parses strictly: exactly the format above, names without '/', sorted, unique, at most
// 4096 lines.
using Sums = std::map<std::string, crypto::Sha256Digest>;  // name -> SHA-256
Result<Sums> ParseSums(std::string_view text);

// Reads and parses DIR/SHA256SUMS (no symlink, at most 1 MiB). kBadInput when it is
// missing or malformed.
Result<Sums> ReadSums(const std::filesystem::path& dir);

// Checks that `name` is listed in `sums` (read from DIR/SHA256SUMS) with the SHA-256
// `actual`: kBadInput when it is not listed, kFailed when the hash differs.
Status CheckListed(const Sums& sums, const std::filesystem::path& dir, const std::string& name,
                   const crypto::Sha256Digest& actual);

}  // namespace vigil::encoding
