// Follows one build's log for GET /builds/<ID>/live: its lines as server-sent events while
// the build runs, then the final status from its ledger entry ("event: end").
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "http/server.h"
#include "ledger/build_logs.h"
#include "tlog/store.h"

namespace vigil::ledger {

// The server calls Step() on a worker thread until it returns kDone or kFail; each call does
// a bounded amount of work (at most one read) and returns kWait when there is nothing to
// send yet. `followers` counts the followers at once; this one leaves it when destroyed.
class LiveFollower {
 public:
  LiveFollower(BuildLogs& logs, const tlog::LogStore& store, std::string id, UniqueFd fd,
               std::shared_ptr<std::atomic<int>> followers);
  ~LiveFollower();
  LiveFollower(const LiveFollower&) = delete;
  LiveFollower& operator=(const LiveFollower&) = delete;

  http::StreamStep Step(std::string& out);

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { kStreaming, kDraining, kAwaitingEntry };

  // Reads the next chunk of the log and turns its complete lines into events. Sets `eof`
  // when there was nothing more to read.
  bool ReadLines(std::string& events, bool& eof);
  static void AppendEvent(std::string& events, const std::string& line);
  http::StreamStep Write(std::string& out, const std::string& data);
  // Sends a comment when nothing was sent for a while: keeps proxies from timing the stream
  // out and finds clients that went away.
  http::StreamStep KeepAlive(std::string& out);
  std::chrono::system_clock::time_point EntryDeadline() const;

  BuildLogs& logs_;
  const tlog::LogStore& store_;
  const std::string id_;
  const UniqueFd fd_;
  const std::shared_ptr<std::atomic<int>> followers_;
  Phase phase_ = Phase::kStreaming;
  std::uint64_t offset_ = 0;
  std::string partial_;
  std::vector<char> buffer_;
  Clock::time_point last_write_;
  std::chrono::system_clock::time_point entry_deadline_;
};

}  // namespace vigil::ledger
