#include "gateway/channels.h"

#include <ctime>

#include "base/file.h"
#include "base/hex.h"
#include "base/time.h"
#include "crypto/file_hash.h"
#include "crypto/public_key.h"
#include "provenance/build_log_entry.h"
#include "provenance/dsse.h"
#include "provenance/provenance.h"
#include "tlog/receipt_verifier.h"
#include "tuf/repository.h"

namespace vigil::gateway {

namespace fs = std::filesystem;

namespace {

constexpr char kEnvelopeFile[] = "provenance.dsse.json";
constexpr char kReceiptFile[] = "build.tlog-proof";
constexpr std::uint64_t kMaxArtifactBytes = 4ull << 30;

std::string Prefix(const std::string& channel, const std::string& component,
                   const std::string& build_id) {
  return channel + "/" + component + "/" + build_id + "/";
}

}  // namespace

struct Channels::Keys {
  tuf::SigningKey testing, current, snapshot, timestamp;
  crypto::PublicKey release;
};

Channels::Channels(ChannelsConfig config, std::unique_ptr<Keys> keys,
                   std::shared_ptr<tlog::ReceiptVerifier> ledger)
    : config_(std::move(config)), keys_(std::move(keys)), ledger_(std::move(ledger)) {}
Channels::~Channels() = default;

Result<std::unique_ptr<Channels>> Channels::Open(ChannelsConfig config,
                                                 std::shared_ptr<tlog::ReceiptVerifier> ledger) {
  auto key = [&config](const char* role) {
    return tuf::ReadSigningKeyFile(config.keys / (std::string(role) + ".secret"));
  };
  VIGIL_ASSIGN_OR_RETURN(tuf::SigningKey testing, key("testing"));
  VIGIL_ASSIGN_OR_RETURN(tuf::SigningKey current, key("current"));
  VIGIL_ASSIGN_OR_RETURN(tuf::SigningKey snapshot, key("snapshot"));
  VIGIL_ASSIGN_OR_RETURN(tuf::SigningKey timestamp, key("timestamp"));
  VIGIL_ASSIGN_OR_RETURN(crypto::PublicKey release,
                         crypto::PublicKey::FromPemFile(config.release_key));
  auto keys =
      std::make_unique<Keys>(Keys{std::move(testing), std::move(current), std::move(snapshot),
                                  std::move(timestamp), std::move(release)});
  return std::unique_ptr<Channels>(
      new Channels(std::move(config), std::move(keys), std::move(ledger)));
}

Result<std::pair<std::map<std::string, std::string>, std::uint64_t>> Channels::CheckEvidence(
    const fs::path& envelope_file, const fs::path& receipt_file, const std::string& build_id) {
  VIGIL_ASSIGN_OR_RETURN(Bytes envelope_bytes,
                         ReadFile(envelope_file, provenance::kMaxEnvelopeSize));
  std::string envelope_text(AsText(envelope_bytes));
  if (!envelope_text.empty() && envelope_text.back() == '\n') envelope_text.pop_back();
  VIGIL_ASSIGN_OR_RETURN(provenance::DsseEnvelope envelope,
                         provenance::ParseEnvelope(envelope_text));
  Status signed_by_release = provenance::VerifyEnvelope(envelope, keys_->release);
  if (!signed_by_release.ok()) {
    return Error::BadInput("its envelope is not signed by the release key: " +
                           signed_by_release.error().message());
  }
  VIGIL_ASSIGN_OR_RETURN(provenance::StatementSummary statement,
                         provenance::ParseStatement(envelope.payload));
  if (statement.build_id != build_id) {
    return Error::BadInput("its envelope is for build " + statement.build_id);
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes receipt_bytes, ReadFile(receipt_file, tlog::kMaxReceiptSize));
  VIGIL_ASSIGN_OR_RETURN(tlog::Receipt receipt, tlog::ParseReceipt(AsText(receipt_bytes)));
  Result<tlog::Checkpoint> proven = ledger_->Verify(receipt);
  if (!proven.ok()) return Error::BadInput("its ledger receipt: " + proven.error().message());
  VIGIL_ASSIGN_OR_RETURN(provenance::LoggedBuild logged,
                         provenance::ParseBuildLogEntry(*receipt.extra));
  if (logged.build_id != build_id || logged.status != "closed" ||
      statement.ledger_index != receipt.index) {
    return Error::BadInput("its ledger receipt is not for the closed log of build " + build_id);
  }
  std::map<std::string, std::string> subjects;
  for (const provenance::LoggedArtifact& subject : statement.subjects) {
    subjects[subject.name] = subject.hex();
  }
  return std::make_pair(std::move(subjects), receipt.index);
}

Status Channels::PublishTesting(const std::string& component, const std::string& build_id,
                                const std::string& commit) {
  const fs::path dir = config_.source / "testing" / component / build_id;
  if (!fs::is_directory(dir)) return Error::BadInput("no published build at " + dir.string());
  auto evidence = CheckEvidence(dir / kEnvelopeFile, dir / kReceiptFile, build_id);
  if (!evidence.ok()) return evidence.error().WithContext("build " + build_id);
  const auto& [subjects, ledger_index] = *evidence;
  for (const auto& [name, sha256] : subjects) {
    Result<crypto::Sha256Digest> digest = crypto::Sha256OfFile(dir / name, kMaxArtifactBytes);
    if (name.find('/') != std::string::npos || !digest.ok() ||
        crypto::Sha256Hex(*digest) != sha256) {
      return Error::BadInput("build " + build_id + ": " + name +
                             " is missing or not what its envelope names");
    }
  }
  std::map<std::string, std::string> custom = {
      {"build_id", build_id},
      {"commit", commit},
      {"component", component},
      {"ledger_index", std::to_string(ledger_index)},
      {"published", FormatRfc3339UtcSeconds(std::time(nullptr))}};
  std::vector<tuf::NewTarget> targets;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file() || entry.is_symlink()) {
      return Error::BadInput("build " + build_id + " holds " + entry.path().filename().string() +
                             ", which is not a regular file");
    }
    targets.push_back({Prefix("testing", component, build_id) + entry.path().filename().string(),
                       entry.path(), custom});
  }
  std::lock_guard<std::mutex> lock(mutex_);
  tuf::Expiry expiry{.now = std::time(nullptr)};
  expiry.timestamp = config_.timestamp_seconds;
  return tuf::AddTargets(config_.repository, tuf::kTestingRole, targets, {&keys_->testing},
                         keys_->snapshot, keys_->timestamp, expiry);
}

Result<TestingBuild> Channels::CheckTesting(const std::string& component,
                                            const std::string& build_id) {
  VIGIL_ASSIGN_OR_RETURN(tuf::Targets testing,
                         tuf::RoleTargets(config_.repository, tuf::kTestingRole));
  const std::string prefix = Prefix("testing", component, build_id);
  TestingBuild build;
  std::map<std::string, fs::path> stored;
  for (const auto& [path, file] : testing.targets) {
    if (path.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string name = path.substr(prefix.size());
    const fs::path bytes = tuf::StoredTargetPath(config_.repository, path, file);
    Result<crypto::Sha256Digest> digest = crypto::Sha256OfFile(bytes, kMaxArtifactBytes);
    auto hash = file.hashes.find("sha256");
    if (!digest.ok() || hash == file.hashes.end() ||
        Bytes(digest->begin(), digest->end()) != hash->second) {
      return Error::BadInput(name + " changed since it was published to testing");
    }
    build.files[name] = HexEncode(hash->second);
    build.custom = file.custom;
    stored[name] = bytes;
  }
  if (build.files.empty()) {
    return Error::BadInput("build " + build_id +
                           " is not in testing (not published, or withdrawn)");
  }
  if (!stored.contains(kEnvelopeFile) || !stored.contains(kReceiptFile)) {
    return Error::BadInput("build " + build_id + " has no envelope or receipt in testing");
  }
  auto evidence = CheckEvidence(stored[kEnvelopeFile], stored[kReceiptFile], build_id);
  if (!evidence.ok()) return evidence.error().WithContext("build " + build_id);
  for (const auto& [name, sha256] : evidence->first) {
    if (build.files[name] != sha256) {
      return Error::BadInput("build " + build_id + ": " + name + " is not what its envelope names");
    }
  }
  std::optional<std::int64_t> published = ParseRfc3339UtcSeconds(build.custom["published"]);
  if (!published) return Error::BadInput("build " + build_id + " has no publication time");
  build.published = *published;
  return build;
}

Status Channels::Promote(const std::string& component, const std::string& build_id,
                         const TestingBuild& build, const PromotionFacts& facts) {
  std::lock_guard<std::mutex> lock(mutex_);
  VIGIL_ASSIGN_OR_RETURN(tuf::Targets current,
                         tuf::RoleTargets(config_.repository, tuf::kCurrentRole));
  const std::string prefix = Prefix("current", component, build_id);
  for (const auto& entry : current.targets) {
    if (entry.first.compare(0, prefix.size(), prefix) == 0) {
      return Error::BadInput("build " + build_id + " is in current already");
    }
  }
  VIGIL_ASSIGN_OR_RETURN(tuf::Targets testing,
                         tuf::RoleTargets(config_.repository, tuf::kTestingRole));
  std::map<std::string, std::string> custom = build.custom;
  custom["promotion_index"] = std::to_string(facts.command_index);
  std::vector<tuf::NewTarget> targets;
  for (const auto& [name, sha256] : build.files) {
    const std::string from = Prefix("testing", component, build_id) + name;
    auto file = testing.targets.find(from);
    if (file == testing.targets.end() || HexEncode(file->second.hashes.at("sha256")) != sha256) {
      return Error::BadInput(name + " changed in testing during the promotion");
    }
    targets.push_back(
        {prefix + name, tuf::StoredTargetPath(config_.repository, from, file->second), custom});
  }
  tuf::Expiry expiry{.now = std::time(nullptr)};
  expiry.timestamp = config_.timestamp_seconds;
  return tuf::AddTargets(config_.repository, tuf::kCurrentRole, targets, {&keys_->current},
                         keys_->snapshot, keys_->timestamp, expiry);
}

Status Channels::Withdraw(const std::string& component, const std::string& build_id,
                          const std::string& channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  tuf::Expiry expiry{.now = std::time(nullptr)};
  expiry.timestamp = config_.timestamp_seconds;
  const tuf::SigningKey& key = channel == tuf::kCurrentRole ? keys_->current : keys_->testing;
  Status removed =
      tuf::RemoveTargets(config_.repository, channel, Prefix(channel, component, build_id), {&key},
                         keys_->snapshot, keys_->timestamp, expiry);
  if (!removed.ok()) return Error::BadInput("build " + build_id + " is not in " + channel);
  return OkStatus();
}

Result<std::string> Channels::Refresh() {
  std::lock_guard<std::mutex> lock(mutex_);
  tuf::Expiry expiry{.now = std::time(nullptr)};
  expiry.timestamp = config_.timestamp_seconds;
  VIGIL_ASSIGN_OR_RETURN(tuf::Expiries expiries, tuf::ReadExpiries(config_.repository));
  if (expiries.snapshot - expiry.now < expiry.snapshot / 2 ||
      expiries.delegated - expiry.now < expiry.delegated / 2) {
    VIGIL_RETURN_IF_ERROR(tuf::ResignRoles(
        config_.repository,
        {{tuf::kTestingRole, {&keys_->testing}}, {tuf::kCurrentRole, {&keys_->current}}},
        keys_->snapshot, keys_->timestamp, expiry));
    return std::string("testing, current, snapshot and timestamp");
  }
  VIGIL_RETURN_IF_ERROR(tuf::RefreshTimestamp(config_.repository, keys_->timestamp, expiry));
  return std::string("timestamp");
}

}  // namespace vigil::gateway
