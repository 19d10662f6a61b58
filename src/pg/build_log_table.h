// The builds' text in PostgreSQL, for ledgers on several hosts that share one log: each
// build the sequencer started (`ledger_builds`: its id once, who streamed it, its state) and
// its stamped text as the ledger wrote it (`ledger_build_text`, in chunks by byte offset).
// A ledger acknowledges a line only once it is here, so every acknowledged line survives the
// loss of the sequencer's host; the ledger that takes over logs the builds left running as
// truncated, from this text. Every write is fenced by the sequencer lease's epoch
// (pg/lease.h): a sequencer that lost the lease adds nothing to a build another one closed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "pg/connection.h"

namespace vigil::pg {

class BuildLogTable {
 public:
  // Connects and creates the tables if they are missing. Writes are fenced by `epoch`, the
  // lease this ledger holds; epoch 0 opens the table for reading only.
  static Result<std::unique_ptr<BuildLogTable>> Open(const SessionSettings& session,
                                                     std::int64_t epoch);

  // Registers build `id` as running, with `meta` (JSON: who streams it, when it started).
  // Failed if any ledger sharing the database started it before: build ids are used once.
  Status Start(const std::string& id, const std::string& meta);

  // The text a build's log grew by since its previous chunk, starting at byte `offset`.
  struct Chunk {
    std::string id;
    std::uint64_t offset = 0;
    std::uint64_t lines = 0;
    std::string text;
  };
  // Stores the chunks in one transaction: all or none. Failed when a chunk does not start
  // where its build's stored text ends, or its build is not running.
  Status Store(const std::vector<Chunk>& chunks);

  // Ends a running build: `state` is "closed" or "truncated". A build that is not running
  // (another ledger ended it) is left as it is.
  Status Finish(const std::string& id, const std::string& state);

  struct Build {
    std::string id;
    std::string meta;
    std::string state;        // "running", "closed" or "truncated"
    std::uint64_t bytes = 0;  // of its stored text
  };
  // The builds still running (their sequencer died while they streamed), oldest first.
  Result<std::vector<Build>> Running();
  // Those of `ids` that were started here, in one query.
  Result<std::vector<Build>> FindMany(const std::vector<std::string>& ids);
  // Passes the build's stored text to `sink` chunk by chunk, in order.
  Status ReadText(const std::string& id, const std::function<Status(ByteView)>& sink);

 private:
  BuildLogTable(std::unique_ptr<Connection> connection, std::int64_t epoch)
      : connection_(std::move(connection)), epoch_(epoch) {}
  std::mutex mutex_;  // one statement at a time on the session
  std::unique_ptr<Connection> connection_;
  const std::int64_t epoch_;
};

}  // namespace vigil::pg
