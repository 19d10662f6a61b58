// The append-only audit log of a service host: one JSON object per line, one write(2) per
// record (O_APPEND, so concurrent writers never interleave). Spec: docs/SPEC-call.md.
#pragma once

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

 private:
  explicit AuditLog(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace vigil::rpc
