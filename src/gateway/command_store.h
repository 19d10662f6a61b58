// What the gateway remembers of signed commands (docs/SPEC-gateway.md, "Signed commands"):
// each maintainer's approval of a line (with the clear-signed text), each line's final state
// (used, or rejected at its threshold), and with every submission its verdict record for
// the ledger, all in one transaction. SQLite, in STATE_DIR/deliveries.db, also when the
// deliveries are in PostgreSQL ([gateway] database): several gateways sharing one database
// do not share approvals, so a command's signatures must all go to the same gateway. The
// verdict records are then moved from here to the deliveries' outbox (MoveRecords).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "gateway/delivery_store.h"

namespace vigil {
class SqliteDb;
}  // namespace vigil

namespace vigil::gateway {

struct Approval {
  std::string fingerprint;
  std::string signed_text;  // the normalised clear-signed message
};

// One submission's effect, written at once.
struct SubmissionOutcome {
  std::string line;
  std::optional<Approval> approval;        // a valid, allowed signature to count
  std::optional<std::string> final_state;  // "used" or "rejected": the line is done
  std::string verdict;
  std::string record_id, record;  // the verdict record for the ledger
};

class CommandStore {
 public:
  static Result<std::unique_ptr<CommandStore>> Open(const std::filesystem::path& file);
  ~CommandStore();

  // The line's final verdict, if it is done.
  Result<std::optional<std::string>> FinalVerdict(const std::string& line);
  // The approvals counted for the line so far, oldest first.
  Result<std::vector<Approval>> Approvals(const std::string& line);
  Status Commit(const SubmissionOutcome& outcome);
  // Moves up to kRecordsMovedAtOnce of the verdict records kept here that the ledger has
  // not taken into `outbox` (the deliveries' store when it is not this file), oldest first,
  // deleting them here once `outbox` holds them: a crash between the two moves them again,
  // and `outbox` keeps a record_id once. No lock is held while `outbox` is written. How
  // many were moved (kRecordsMovedAtOnce: call again).
  Result<std::size_t> MoveRecords(DeliveryStore& outbox);
  static constexpr std::size_t kRecordsMovedAtOnce = 64;

 private:
  explicit CommandStore(std::unique_ptr<SqliteDb> db);
  std::mutex db_mutex_;  // one call at a time on the connection (the mover is a thread)
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace vigil::gateway
