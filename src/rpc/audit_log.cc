#include "rpc/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "base/time.h"

namespace vigil::rpc {

Result<AuditLog> AuditLog::Open(const std::filesystem::path& path) {
  if (path.empty()) return AuditLog(UniqueFd(-1));
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Error::MissingEnv("cannot open the audit log " + path.string() + ": " +
                             std::strerror(errno));
  }
  return AuditLog(UniqueFd(fd));
}

void AuditLog::RecordUnauthenticated(nlohmann::json record) {
  const auto now = std::chrono::steady_clock::now();
  const std::chrono::duration<double> elapsed = now - refilled_;
  refilled_ = now;
  tokens_ = std::min(kUnauthenticatedBurst, tokens_ + elapsed.count() * kUnauthenticatedPerSecond);
  if (tokens_ < 1) {
    ++suppressed_;
    return;
  }
  tokens_ -= 1;
  Record(std::move(record));
}

void AuditLog::Record(nlohmann::json record) {
  if (fd_.get() < 0) return;
  if (suppressed_ > 0) {
    record["suppressed"] = suppressed_;  // unauthenticated records left out before this one
    suppressed_ = 0;
  }
  nlohmann::json line = {
      {"time", FormatRfc3339Utc(std::chrono::system_clock::now(), SubSecond::kMillis)}};
  line.update(record);
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  ssize_t n = ::write(fd_.get(), text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size())) {
    std::fprintf(stderr, "vigil: writing the audit log failed: %s\n", std::strerror(errno));
  }
}

}  // namespace vigil::rpc
