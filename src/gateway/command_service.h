// Maintainers' signed commands (docs/SPEC-gateway.md, "Signed commands"): POST /commands
// with one clear-signed command. A command takes effect when `threshold` distinct
// maintainers, each allowed for its component and channel, have signed the same line with
// valid keys from the pinned keyring before its NOT_AFTER; it is then used and never acts
// again. Every submission gets a verdict (`accepted: ...`, `waiting for N more`,
// `rejected: REASON`): answered, in the audit log, and appended to the ledger.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"
#include "gateway/command.h"
#include "gateway/command_store.h"
#include "gateway/delivery_store.h"
#include "gateway/wake_signal.h"

namespace vigil::rpc {
class AuditLog;
}  // namespace vigil::rpc

namespace vigil::release {
class DetachedVerifier;
}  // namespace vigil::release

namespace vigil::gateway {

class Channels;
class LedgerRecorder;

struct MaintainerRule {
  std::string fingerprint;              // the primary key's, 40 uppercase hex
  std::vector<std::string> components;  // or "*"
  std::vector<std::string> channels;    // testing (Build, Withdraw), current
};

struct CommandsConfig {
  std::filesystem::path keyring;  // the maintainers' public keys
  std::uint32_t threshold = 2;
  std::int64_t max_validity_seconds = 7 * 86400;  // NOT_AFTER at most this far ahead
  std::int64_t min_testing_seconds = 5 * 86400;   // a build's age in testing to promote it
  std::vector<MaintainerRule> maintainers;
};

struct CommandVerdict {
  int http_status = 200;  // 200 accepted, 202 waiting, 422 rejected, 503 not recorded
  std::string verdict;
};

// Where accepted commands act; any may be null (a command needing it is then rejected).
struct CommandTargets {
  DeliveryStore* deliveries = nullptr;  // Build: queued as a delivery from "command"
  std::function<void()> wake_dispatcher;
  Channels* channels = nullptr;      // Promote, Withdraw
  LedgerRecorder* ledger = nullptr;  // the promotion record, before current is signed
  std::function<void()> wake_recorder;
  // The deliveries' store when it is not the command store's SQLite file (PostgreSQL): the
  // commands' verdict records are moved there, by a thread of their own, for the ledger
  // recorder. Null: they are in its outbox already.
  DeliveryStore* record_outbox = nullptr;
};

class CommandService {
 public:
  static Result<std::unique_ptr<CommandService>> Create(CommandsConfig config,
                                                        const std::filesystem::path& state_dir,
                                                        CommandTargets targets,
                                                        rpc::AuditLog& audit,
                                                        std::mutex& audit_mutex);
  ~CommandService();  // stops moving records
  CommandVerdict Submit(std::string_view text);

 private:
  struct Checked;
  CommandService(CommandsConfig config, std::unique_ptr<CommandStore> store,
                 std::unique_ptr<release::DetachedVerifier> verifier, CommandTargets targets,
                 rpc::AuditLog& audit, std::mutex& audit_mutex);
  // The signer's fingerprint once the signature verifies and the signer may sign it.
  Result<std::string> Authorize(const Command& command, const std::string& line,
                                const std::string& signature);
  // Carries out a command that reached its threshold: what it did.
  Result<std::string> Execute(const Command& command, const std::string& line,
                              const std::vector<Approval>& approvals);
  Result<std::string> Promote(const Command& command, const std::string& line,
                              const std::vector<Approval>& approvals);
  SubmissionOutcome Decide(std::string_view text, std::string& signer);
  // With targets_.record_outbox: moves the verdict records there after each submission and,
  // while that fails (PostgreSQL away), again with a backoff.
  void MoveRecords();

  CommandsConfig config_;
  std::unique_ptr<CommandStore> store_;
  std::unique_ptr<release::DetachedVerifier> verifier_;
  CommandTargets targets_;
  rpc::AuditLog& audit_;
  std::mutex& audit_mutex_;
  std::mutex mutex_;  // one submission at a time, and the store
  WakeSignal move_signal_;
  std::thread mover_;
};

}  // namespace vigil::gateway
