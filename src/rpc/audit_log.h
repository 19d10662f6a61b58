// The append-only audit log of a service host: one JSON object per line, one write(2) per
// record (O_APPEND, so concurrent writers never interleave). Spec: docs/SPEC-call.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>

#include "base/result.h"
#include "base/unique_fd.h"

namespace vigil::rpc {

class AuditLog {
 public:
  // Opens (creating 0600) `path` for appending; an empty path discards records.
  static Result<AuditLog> Open(const std::filesystem::path& path);

  // Appends `record` (an object) with "time" (UTC, RFC 3339) added. A failed write is
  // reported on stderr: the decision itself has already been made.
  void Record(nlohmann::json record);

  // Records an event about a peer that has not authenticated (a refused or evicted
  // connection, a failed handshake) at most kUnauthenticatedBurst at once and
  // kUnauthenticatedPerSecond on average, so a flood cannot fill the disk (finding D6: 5443
  // records in 25 s). The next record written says how many were left out ("suppressed").
  void RecordUnauthenticated(nlohmann::json record);
  static constexpr double kUnauthenticatedPerSecond = 10;
  static constexpr double kUnauthenticatedBurst = 50;

 private:
  explicit AuditLog(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
  double tokens_ = kUnauthenticatedBurst;
  std::chrono::steady_clock::time_point refilled_ = std::chrono::steady_clock::now();
  std::uint64_t suppressed_ = 0;
};

}  // namespace vigil::rpc
