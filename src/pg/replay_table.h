// The signer's memory of what it signed, in PostgreSQL: one row per (key, build), written
// (committed, synchronously) as a reservation before anything is signed, so signers on
// several hosts sharing the database, a restart or two concurrent requests never sign one
// build twice with one key. The signer's ReplayStore (signer/replay_store.h) over it.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/result.h"
#include "pg/connection.h"

namespace vigil::pg {

class ReplayTable {
 public:
  // Connects and creates the table `signer_signed` if it is missing.
  static Result<std::unique_ptr<ReplayTable>> Open(const SessionSettings& session);

  // What a reservation found: nothing before (reserved now), or the row made before.
  struct Earlier {
    bool signed_already = false;     // completed; else reserved and never completed
    std::uint64_t ledger_index = 0;  // of its signature record, when signed
  };
  Result<std::optional<Earlier>> Reserve(const std::string& key_id, const std::string& build_id,
                                         std::uint64_t now);
  // Failed unless exactly that reservation was completed.
  Status Complete(const std::string& key_id, const std::string& build_id,
                  const std::string& envelope_sha256, std::uint64_t ledger_index);
  Status Release(const std::string& key_id, const std::string& build_id);
  Result<std::uint64_t> PendingCount();

 private:
  explicit ReplayTable(std::unique_ptr<Connection> connection)
      : connection_(std::move(connection)) {}
  std::mutex mutex_;  // one statement at a time on the session
  std::unique_ptr<Connection> connection_;
};

}  // namespace vigil::pg
