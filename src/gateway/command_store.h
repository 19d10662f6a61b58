// What the gateway remembers of signed commands (docs/SPEC-gateway.md, "Signed commands"):
// each maintainer's approval of a line (with the clear-signed text), each line's final state
// (used, or rejected at its threshold), and with every submission its verdict record for
// the ledger, all in one transaction. The same SQLite file as the deliveries.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

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

 private:
  explicit CommandStore(std::unique_ptr<SqliteDb> db);
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace vigil::gateway
