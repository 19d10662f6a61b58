#include "ledger/live_follower.h"

#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "ledger/log_file.h"
#include "provenance/build_log_entry.h"

namespace vigil::ledger {
namespace {

using std::chrono::milliseconds;

constexpr const char* kBuildLogKind = "build-log";
// A live event holds at most this much of a line (stored lines are at most kMaxLineLength
// plus stamp and cut marker, so only a corrupt file reaches it).
constexpr std::size_t kMaxEventLine = 4 * kMaxLineLength;
// A waiting follower says something this often.
constexpr milliseconds kKeepaliveInterval{1000};
// After a build ends, how long a follower waits for its ledger entry (which carries the
// final status) before it ends with "unknown". Counted from the log's last change.
constexpr std::chrono::seconds kEntryGrace{15};

// The final status of build `id` from its ledger entry, if it is logged: "closed" or
// "truncated", "unknown" for an entry the codec does not read.
std::optional<std::string> LoggedStatus(const tlog::LogStore& store, const std::string& id) {
  auto found = store.FindByLabel({kBuildLogKind, id});
  if (!found.ok() || found->empty()) return std::nullopt;
  auto entry = store.ReadEntry(*std::max_element(found->begin(), found->end()));
  if (!entry.ok()) return std::nullopt;
  Result<provenance::LoggedBuild> build = provenance::ParseBuildLogEntry(*entry);
  if (!build.ok()) return "unknown";
  return build->status;
}

}  // namespace

LiveFollower::LiveFollower(BuildLogs& logs, const tlog::LogStore& store, std::string id,
                           UniqueFd fd, std::shared_ptr<std::atomic<int>> followers)
    : logs_(logs),
      store_(store),
      id_(std::move(id)),
      fd_(std::move(fd)),
      followers_(std::move(followers)),
      last_write_(Clock::now()) {}

LiveFollower::~LiveFollower() { --*followers_; }

http::StreamStep LiveFollower::Step(std::string& out) {
  std::string events;
  bool eof = false;
  if (phase_ != Phase::kAwaitingEntry && !ReadLines(events, eof)) return http::StreamStep::kFail;
  if (!events.empty()) return Write(out, events);

  switch (phase_) {
    case Phase::kStreaming:
      if (logs_.WaitForGrowth(id_, offset_, milliseconds(0))) return KeepAlive(out);
      phase_ = Phase::kDraining;  // not running: read what is left, then end
      return http::StreamStep::kData;
    case Phase::kDraining:
      if (!eof) return http::StreamStep::kData;
      phase_ = Phase::kAwaitingEntry;
      entry_deadline_ = EntryDeadline();
      if (!partial_.empty()) {  // a last line without newline: send it anyway
        AppendEvent(events, partial_);
        partial_.clear();
        return Write(out, events);
      }
      return http::StreamStep::kData;
    case Phase::kAwaitingEntry:
      break;
  }
  std::optional<std::string> status = LoggedStatus(store_, id_);
  if (!status && std::chrono::system_clock::now() < entry_deadline_) return KeepAlive(out);
  out += "event: end\ndata: " + status.value_or("unknown") + "\n\n";
  return http::StreamStep::kDone;
}

bool LiveFollower::ReadLines(std::string& events, bool& eof) {
  buffer_.resize(kLogReadChunk);
  const ssize_t n = ReadAt(fd_.get(), buffer_.data(), buffer_.size(), offset_);
  if (n < 0) return false;
  if (n == 0) {
    eof = true;
    return true;
  }
  offset_ += static_cast<std::uint64_t>(n);
  events.reserve(static_cast<std::size_t>(n) + 1024);
  for (const char c : std::string_view(buffer_.data(), static_cast<std::size_t>(n))) {
    if (c == '\n') {
      AppendEvent(events, partial_);
      partial_.clear();
      continue;
    }
    // Lines are stored sanitised already; keep anything else out of the event stream.
    const bool printable = (c >= 0x20 && c < 0x7f) || c == '\t';
    partial_.push_back(printable ? c : '.');
    if (partial_.size() >= kMaxEventLine) {
      AppendEvent(events, partial_);
      partial_.clear();
    }
  }
  return true;
}

void LiveFollower::AppendEvent(std::string& events, const std::string& line) {
  events += "data: ";
  events += line;
  events += "\n\n";
}

http::StreamStep LiveFollower::Write(std::string& out, const std::string& data) {
  out += data;
  last_write_ = Clock::now();
  return http::StreamStep::kData;
}

http::StreamStep LiveFollower::KeepAlive(std::string& out) {
  if (Clock::now() - last_write_ < kKeepaliveInterval) return http::StreamStep::kWait;
  return Write(out, ": keepalive\n\n");
}

std::chrono::system_clock::time_point LiveFollower::EntryDeadline() const {
  const auto now = std::chrono::system_clock::now();
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return now + kEntryGrace;
  const auto changed = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
  return std::min(changed, now) + kEntryGrace;
}

}  // namespace vigil::ledger
