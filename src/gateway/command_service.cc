#include "gateway/command_service.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>

#include "base/time.h"
#include "crypto/hash.h"
#include "gateway/channels.h"
#include "gateway/clearsigned.h"
#include "gateway/ledger_recorder.h"
#include "gateway/verdict_record.h"
#include "release/detached_verifier.h"
#include "rpc/audit_log.h"

namespace vigil::gateway {
namespace {

bool Allows(const std::vector<std::string>& allowed, const std::string& value) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end() ||
         std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
}

std::string Sha256Of(std::string_view text) {
  return crypto::Sha256Hex(crypto::Sha256(AsBytes(text)));
}

std::string Json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

CommandService::CommandService(CommandsConfig config, std::unique_ptr<CommandStore> store,
                               std::unique_ptr<release::DetachedVerifier> verifier,
                               CommandTargets targets, rpc::AuditLog& audit,
                               std::mutex& audit_mutex)
    : config_(std::move(config)),
      store_(std::move(store)),
      verifier_(std::move(verifier)),
      targets_(std::move(targets)),
      audit_(audit),
      audit_mutex_(audit_mutex) {}
CommandService::~CommandService() {
  move_signal_.Stop();
  if (mover_.joinable()) mover_.join();
}

Result<std::unique_ptr<CommandService>> CommandService::Create(
    CommandsConfig config, const std::filesystem::path& state_dir, CommandTargets targets,
    rpc::AuditLog& audit, std::mutex& audit_mutex) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<CommandStore> store,
                         CommandStore::Open(state_dir / "deliveries.db"));
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<release::DetachedVerifier> verifier,
                         release::DetachedVerifier::Create(config.keyring, state_dir));
  std::unique_ptr<CommandService> service(
      new CommandService(std::move(config), std::move(store), std::move(verifier),
                         std::move(targets), audit, audit_mutex));
  if (service->targets_.record_outbox != nullptr) {
    service->mover_ = std::thread([raw = service.get()] { raw->MoveRecords(); });
  }
  return service;
}

void CommandService::MoveRecords() {
  constexpr std::chrono::milliseconds kFirstRetry{500}, kLastRetry{30000};
  std::chrono::milliseconds retry = kFirstRetry;
  std::string last_error;
  std::uint64_t seen = 0;
  while (!move_signal_.stopped()) {
    // The store guards its own connection: submissions are not held up by the outbox.
    Result<std::size_t> moved = store_->MoveRecords(*targets_.record_outbox);
    if (moved.ok()) {
      if (*moved > 0 && targets_.wake_recorder) targets_.wake_recorder();
      retry = kFirstRetry;
      last_error.clear();
      if (*moved == CommandStore::kRecordsMovedAtOnce) continue;  // more are waiting
      // Submissions wake it; the poll is only a safety net.
      if (!move_signal_.WaitFor(std::chrono::seconds(30), seen)) return;
      continue;
    }
    // Said once per distinct error, as the ledger recorder does.
    if (moved.error().message() != last_error) {
      last_error = moved.error().message();
      std::lock_guard<std::mutex> audit_lock(audit_mutex_);
      audit_.Record({{"event", "command records delayed"}, {"error", last_error}});
    }
    if (!move_signal_.WaitFor(retry, seen, /*for_wakes=*/false)) return;
    retry = std::min(retry * 2, kLastRetry);
  }
}

Result<std::string> CommandService::Authorize(const Command& command, const std::string& line,
                                              const std::string& signature) {
  VIGIL_ASSIGN_OR_RETURN(auto verdicts, verifier_->Verify(signature, line, "command"));
  if (verdicts.size() != 1) {
    return Error::BadInput("the message must carry exactly one signature");
  }
  if (const auto* reason = std::get_if<std::string>(&verdicts.front())) {
    return Error::BadInput("the signature does not count: " + *reason);
  }
  const std::string fingerprint = std::get<release::ValidSigner>(verdicts.front()).fingerprint;
  const std::string channel = CommandChannel(command);
  for (const MaintainerRule& rule : config_.maintainers) {
    if (rule.fingerprint != fingerprint) continue;
    if (!Allows(rule.components, command.component) || !Allows(rule.channels, channel)) {
      return Error::BadInput("maintainer " + fingerprint + " may not act on " + command.component +
                             " in " + channel);
    }
    return fingerprint;
  }
  return Error::BadInput("the key " + fingerprint + " is not a maintainer's");
}

Result<std::string> CommandService::Promote(const Command& command, const std::string& line,
                                            const std::vector<Approval>& approvals) {
  if (targets_.channels == nullptr || targets_.ledger == nullptr) {
    return Error::BadInput("this gateway has no [channels] and [ledger] to promote with");
  }
  Channels& channels = *targets_.channels;
  VIGIL_ASSIGN_OR_RETURN(TestingBuild build,
                         channels.CheckTesting(command.component, command.build_id));
  const std::int64_t age = std::time(nullptr) - build.published;
  if (age < config_.min_testing_seconds) {
    return Error::BadInput("build " + command.build_id + " has been in testing for " +
                           std::to_string(age) + " s; promotion needs " +
                           std::to_string(config_.min_testing_seconds) + " s");
  }
  // The promotion and every signature over it are in the ledger before current is signed.
  nlohmann::json signed_by = nlohmann::json::array();
  for (const Approval& approval : approvals) {
    signed_by.push_back({{"fingerprint", approval.fingerprint}, {"signed", approval.signed_text}});
  }
  const std::string record_id = "promotion:" + Sha256Of(line);
  const std::string record = Json({{"type", kVerdictRecordType},
                                   {"record_id", record_id},
                                   {"kind", "promotion"},
                                   {"line", line},
                                   {"component", command.component},
                                   {"build_id", command.build_id},
                                   {"files", build.files},
                                   {"approvals", signed_by},
                                   {"verdict", "promoted to current"},
                                   {"time", FormatRfc3339UtcSeconds(std::time(nullptr))}});
  Result<std::uint64_t> index = targets_.ledger->AppendNow(record_id, record);
  // Also with the other records, for the feed and notifications (the ledger appends a
  // record_id once, so the recorder's copy appends nothing).
  if (index.ok() && targets_.deliveries != nullptr) {
    (void)targets_.deliveries->AddRecord(record_id, record);
  }
  if (!index.ok()) {
    return Error::Failed("the ledger did not take the promotion record, so nothing was promoted: " +
                         index.error().message());
  }
  VIGIL_RETURN_IF_ERROR(channels.Promote(command.component, command.build_id, build,
                                         PromotionFacts{.command_index = *index}));
  return "promoted " + command.build_id + " to current (ledger entry " + std::to_string(*index) +
         ")";
}

Result<std::string> CommandService::Execute(const Command& command, const std::string& line,
                                            const std::vector<Approval>& approvals) {
  switch (command.verb) {
    case Command::Verb::kBuild: {
      if (targets_.deliveries == nullptr) return Error::BadInput("this gateway cannot build");
      Delivery delivery{.provider = "command", .delivery_id = Sha256Of(line).substr(0, 32)};
      delivery.commit = command.commit;
      delivery.component = command.component;
      delivery.queue = true;
      delivery.verdict = "queued";
      const std::string record = DeliveryRecord(delivery, "Build", std::time(nullptr));
      VIGIL_ASSIGN_OR_RETURN(Recorded recorded, targets_.deliveries->Record(delivery, record));
      if (targets_.wake_dispatcher) targets_.wake_dispatcher();
      return recorded.duplicate ? "build of " + command.commit + " was queued before"
                                : "build of " + command.commit + " queued";
    }
    case Command::Verb::kPromote:
      return Promote(command, line, approvals);
    case Command::Verb::kWithdraw:
      if (targets_.channels == nullptr) return Error::BadInput("this gateway has no [channels]");
      VIGIL_RETURN_IF_ERROR(
          targets_.channels->Withdraw(command.component, command.build_id, command.channel));
      return "withdrew " + command.build_id + " from " + command.channel;
  }
  return Error::BadInput("unknown command");
}

SubmissionOutcome CommandService::Decide(std::string_view text, std::string& signer) {
  SubmissionOutcome outcome;
  auto reject = [&outcome](const Error& error) {
    outcome.verdict = "rejected: " + error.message();
    return outcome;
  };
  Result<ClearSigned> message = ParseClearSigned(text);
  if (!message.ok()) return reject(message.error());
  outcome.line = message->line;
  Result<Command> command = ParseCommand(message->line);
  if (!command.ok()) return reject(command.error());
  Result<std::optional<std::string>> final_verdict = store_->FinalVerdict(message->line);
  if (!final_verdict.ok()) return reject(final_verdict.error());
  if (*final_verdict)
    return reject(Error::BadInput("this command was used already: " + **final_verdict));
  const std::int64_t now = std::time(nullptr);
  if (command->verb != Command::Verb::kBuild && now > command->not_after) {
    return reject(Error::BadInput("the command expired at its NOT_AFTER"));
  }
  if (command->not_after > now + config_.max_validity_seconds) {
    return reject(Error::BadInput("NOT_AFTER is more than " +
                                  std::to_string(config_.max_validity_seconds) + " s ahead"));
  }
  Result<std::string> fingerprint = Authorize(*command, message->line, message->signature);
  if (!fingerprint.ok()) return reject(fingerprint.error());
  signer = *fingerprint;
  Result<std::vector<Approval>> approvals = store_->Approvals(message->line);
  if (!approvals.ok()) return reject(approvals.error());
  for (const Approval& approval : *approvals) {
    if (approval.fingerprint == signer) {
      return reject(Error::BadInput(signer + " has signed this command already"));
    }
  }
  approvals->push_back({signer, message->normalized});
  if (approvals->size() < config_.threshold) {
    outcome.approval = approvals->back();
    outcome.verdict =
        "waiting for " + std::to_string(config_.threshold - approvals->size()) + " more";
    return outcome;
  }
  Result<std::string> done = Execute(*command, message->line, *approvals);
  if (!done.ok() && done.error().code() != ErrorCode::kBadInput) {
    return reject(Error::Failed(done.error().message() + "; submit again"));  // counts nothing
  }
  outcome.approval = approvals->back();
  outcome.final_state = done.ok() ? "used" : "rejected";
  outcome.verdict = done.ok() ? "accepted: " + *done : "rejected: " + done.error().message();
  return outcome;
}

CommandVerdict CommandService::Submit(std::string_view text) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string signer;
  SubmissionOutcome outcome = Decide(text, signer);
  const std::int64_t now = std::time(nullptr);
  outcome.record_id = NewRecordId("command:");
  outcome.record = Json({{"type", kVerdictRecordType},
                         {"record_id", outcome.record_id},
                         {"kind", "command"},
                         {"line", outcome.line},
                         {"signer", signer},
                         {"submission_sha256", Sha256Of(text)},
                         {"verdict", outcome.verdict},
                         {"time", FormatRfc3339UtcSeconds(now)}});
  Status committed = store_->Commit(outcome);
  {
    std::lock_guard<std::mutex> audit_lock(audit_mutex_);
    audit_.Record({{"event", "command"},
                   {"line", outcome.line},
                   {"signer", signer},
                   {"verdict", outcome.verdict},
                   {"recorded", committed.ok()}});
  }
  if (!committed.ok()) return {503, "not recorded: " + committed.error().message()};
  if (targets_.record_outbox != nullptr) {
    move_signal_.Wake();
  } else if (targets_.wake_recorder) {
    targets_.wake_recorder();
  }
  const int status = outcome.verdict.rfind("accepted", 0) == 0  ? 200
                     : outcome.verdict.rfind("waiting", 0) == 0 ? 202
                                                                : 422;
  return {status, outcome.verdict};
}

}  // namespace vigil::gateway
