// The text of every build's log, one file per build under DIR/logs/, written as lines
// arrive. Each line is stamped with the ledger's UTC time (microseconds) and sanitised:
// bytes outside printable ASCII and tab become '.', lines over kMaxLineLength are cut and
// marked. A syncer thread makes every written line durable (fdatasync) within
// kSyncInterval; Sync() does it at once. Readers (the HTTP API) follow running builds.
// With an archive (ledgers sharing one log in PostgreSQL, pg/build_log_table.h), a line is
// durable only once the archive holds it too, so it survives the loss of this host; the
// ledger that takes over restores the builds left running from there.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"
#include "pg/build_log_table.h"

namespace vigil::ledger {

namespace fs = std::filesystem;

inline constexpr std::size_t kMaxLineLength = 4096;
inline constexpr std::chrono::milliseconds kSyncInterval{50};

// Build ids: 1-128 of [A-Za-z0-9._-], not starting with '.' or '-'.
Status CheckBuildId(std::string_view id);

// Turns raw output into the stored text of one line (without stamp or newline): bytes
// outside printable ASCII and tab become '.', and a line over kMaxLineLength is cut and
// ends with a marker saying how many bytes were dropped.
std::string SanitizeLine(std::string_view raw);

// A UTC timestamp with microseconds: 2026-11-22T17:20:00.123456Z.
std::string UtcTimestamp(std::chrono::system_clock::time_point when);

enum class BuildState { kRunning, kClosed, kTruncated };
const char* BuildStateName(BuildState state);

struct BuildSummary {
  std::string id;
  BuildState state;
  std::uint64_t lines;
};

class BuildLogs {
 public:
  // Uses (creates) DIR/logs; with `archive`, every line is stored there too.
  static Result<std::unique_ptr<BuildLogs>> Open(
      const fs::path& dir, std::unique_ptr<pg::BuildLogTable> archive = nullptr);
  ~BuildLogs();

  // Starts build `id` with `meta` (JSON: who streams it, when; kept beside the log as
  // ID.meta): Failed if its log exists already here or in the archive (ids are used once).
  Status Start(const std::string& id, const std::string& meta);
  // Appends lines received together (sanitised and stamped with the time of arrival here)
  // with one write; returns the line count.
  Result<std::uint64_t> AppendLines(const std::string& id, std::span<const std::string_view> raw);
  Result<std::uint64_t> AppendLine(const std::string& id, std::string_view raw) {
    return AppendLines(id, std::span<const std::string_view>(&raw, 1));
  }
  // Makes every line of `id` durable now; returns the durable line count.
  Result<std::uint64_t> Sync(const std::string& id);
  // Lines of `id` known durable (by Sync or the syncer thread).
  std::uint64_t DurableLines(const std::string& id);
  // Ends build `id`: syncs, closes the file and wakes followers.
  Status Finish(const std::string& id, BuildState state);

  // The ids of log files with no running build (left by a crash), for recovery.
  std::vector<std::string> Orphans(const std::vector<std::string>& known_ids) const;
  // With an archive: writes here the text and meta of every build the archive holds as
  // running (its sequencer died while it streamed), replacing what this host had of them,
  // and returns their ids. Without one: nothing.
  Result<std::vector<std::string>> RestoreRunning();
  // With an archive: replaces the text here of every build the archive holds as finished
  // with other text (this host stopped before the archive took its last lines, and another
  // ledger ended the build from what the archive had), so that it matches the build's entry.
  Status ReplaceStale();
  // A build recovered as truncated: the archive ends it too.
  Status MarkTruncated(const std::string& id);
  // With an archive: writes here the log of a build another ledger finished, when this host
  // has none. True when it did.
  Result<bool> RestoreFinished(const std::string& id);

  fs::path LogPath(const std::string& id) const;
  // A running build's state, or nullopt for a build not running here.
  std::optional<BuildSummary> Running(const std::string& id);
  std::vector<BuildSummary> RunningBuilds();

  // Waits until build `id`'s log grew beyond `size` bytes, it finished, or `timeout`
  // passed. Returns true while the build is still running.
  bool WaitForGrowth(const std::string& id, std::uint64_t size, std::chrono::milliseconds timeout);

 private:
  struct Build;
  BuildLogs(fs::path dir, std::unique_ptr<pg::BuildLogTable> archive);
  void SyncLoop();
  std::shared_ptr<Build> Find(const std::string& id);
  // Syncs the builds' files and, with an archive, stores their new text there (one
  // transaction for all); then counts their lines durable.
  Status MakeDurable(const std::vector<std::shared_ptr<Build>>& builds);
  Status StoreInArchive(const std::vector<std::shared_ptr<Build>>& builds);
  // Writes the archive's text of `id` to its log file, atomically.
  Status RestoreText(const std::string& id, const std::string& meta);

  const fs::path dir_;
  const std::unique_ptr<pg::BuildLogTable> archive_;
  std::mutex archive_mutex_;  // one archive transaction at a time, so chunks stay in order
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::shared_ptr<Build>> running_;
  bool stopping_ = false;
  std::condition_variable stop_;
  std::thread syncer_;
};

}  // namespace vigil::ledger
