#include "rpc/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

namespace vigil::rpc {
namespace {

std::string NowUtc() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return text;
}

}  // namespace

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
  nlohmann::json line = {{"time", NowUtc()}};
  line.update(record);
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  ssize_t n = ::write(fd_.get(), text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size())) {
    std::fprintf(stderr, "vigil: writing the audit log failed: %s\n", std::strerror(errno));
  }
}

}  // namespace vigil::rpc
