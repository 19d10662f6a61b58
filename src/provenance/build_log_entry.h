// The build-log entry codec: the ledger writes these entries (through ledger/build_entry.h,
// which adds the caller's identity), the signer, the builder and verify-artifact read them.
// Format: docs/SPEC-ledger.md.
//   {"artifacts":[{"name","sha256"}],"build_id","builder":{"name","tags"},"end","lines",
//    "log_sha256","start","status":"closed"|"truncated","type":"build-log"}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "crypto/named_digest.h"
#include "encoding/build_log_limits.h"

namespace vigil::provenance {

inline constexpr std::size_t kMaxLoggedArtifacts = encoding::kMaxBuildArtifacts;

using LoggedArtifact = crypto::NamedDigest;

struct LoggedBuild {
  std::string build_id;
  std::string builder_name;
  std::vector<std::string> builder_tags;
  std::string start;
  std::string end;
  std::uint64_t lines = 0;
  std::string log_sha256;
  std::string status;  // "closed" or "truncated"
  std::vector<LoggedArtifact> artifacts;
};

// Parses a build-log entry strictly: canonical JSON with exactly the members the ledger
// writes, status "closed" or "truncated", at most kMaxBuildArtifacts artifacts with names
// encoding::IsValidArtifactName accepts. BadInput if it is another type of record or
// malformed.
Result<LoggedBuild> ParseBuildLogEntry(ByteView entry);

// Writes a build-log entry as the ledger appends it: canonical JSON (RFC 8785 for the values
// used: sorted keys, strings, integers, no whitespace). An entry within the limits above is
// read back by ParseBuildLogEntry to the same values; the caller keeps to them.
Bytes SerializeBuildLogEntry(const LoggedBuild& build);

// True for 64 lowercase hex digits: crypto's check, the one definition for every format.
using crypto::IsSha256Hex;

}  // namespace vigil::provenance
