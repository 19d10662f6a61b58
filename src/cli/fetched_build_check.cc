#include "cli/fetched_build_check.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "base/strict_number.h"
#include "base/time.h"
#include "crypto/hash.h"
#include "crypto/public_key.h"
#include "gateway/clearsigned.h"
#include "gateway/command.h"
#include "provenance/dsse.h"
#include "provenance/ledger_check.h"
#include "provenance/signed_artifact.h"
#include "release/detached_verifier.h"
#include "tlog/tile_client.h"

namespace vigil::cli {
namespace {

constexpr char kEnvelopeFile[] = "provenance.dsse.json";

Result<const Bytes*> File(const FetchedBuild& build, const std::string& name) {
  auto found = build.files.find(name);
  if (found == build.files.end()) {
    return Error::Failed("build " + build.build_id + " has no " + name);
  }
  return &found->second;
}

// The promotion record's fields, checked against the build.
Result<nlohmann::json> ReadPromotionRecord(const FetchedBuild& build, ByteView entry) {
  nlohmann::json record = nlohmann::json::parse(AsText(entry), nullptr, false);
  if (!record.is_object() || record.value("type", "") != "gateway-verdict" ||
      record.value("kind", "") != "promotion") {
    return Error::Failed("the ledger entry the metadata names is not a promotion record");
  }
  if (record.value("component", "") != build.component ||
      record.value("build_id", "") != build.build_id) {
    return Error::Failed("the promotion record is for another build");
  }
  std::map<std::string, std::string> digests;
  for (const auto& [name, bytes] : build.files) {
    digests[name] = crypto::Sha256Hex(crypto::Sha256(bytes));
  }
  if (!record.contains("files") || !record["files"].is_object() ||
      record["files"].get<std::map<std::string, std::string>>() != digests) {
    return Error::Failed("the promotion record names other files than those fetched");
  }
  if (!record.contains("approvals") || !record["approvals"].is_array()) {
    return Error::Failed("the promotion record carries no approvals");
  }
  return record;
}

}  // namespace

Result<std::size_t> CheckBuildEvidence(const FetchedBuild& build,
                                       const std::string& release_key_file,
                                       const tlog::TileFetcher& ledger,
                                       const tlog::NoteVerifier& ledger_key) {
  VIGIL_ASSIGN_OR_RETURN(const Bytes* envelope_bytes, File(build, kEnvelopeFile));
  std::string envelope_text(AsText(*envelope_bytes));
  if (!envelope_text.empty() && envelope_text.back() == '\n') envelope_text.pop_back();
  VIGIL_ASSIGN_OR_RETURN(provenance::DsseEnvelope envelope,
                         provenance::ParseEnvelope(envelope_text));
  VIGIL_ASSIGN_OR_RETURN(crypto::PublicKey key, crypto::PublicKey::FromPemFile(release_key_file));
  VIGIL_ASSIGN_OR_RETURN(provenance::StatementSummary statement,
                         provenance::ParseStatement(envelope.payload));
  if (statement.build_id != build.build_id) {
    return Error::Failed("the envelope is for build " + statement.build_id);
  }
  for (const provenance::LoggedArtifact& subject : statement.subjects) {
    VIGIL_ASSIGN_OR_RETURN(const Bytes* bytes, File(build, subject.name));
    auto hash = [bytes]() -> Result<crypto::Sha256Digest> { return crypto::Sha256(*bytes); };
    VIGIL_ASSIGN_OR_RETURN(
        provenance::VerifiedArtifact verified,
        provenance::VerifySignedArtifact(envelope, envelope_text, key, hash, subject.name));
    VIGIL_RETURN_IF_ERROR(provenance::CheckLedger(ledger, ledger_key, verified.artifact).status());
  }
  return statement.subjects.size();
}

Result<std::vector<std::string>> CheckPromotion(const FetchedBuild& build,
                                                const std::string& maintainers_keyring,
                                                std::uint32_t threshold,
                                                const tlog::TileFetcher& ledger,
                                                const tlog::NoteVerifier& ledger_key) {
  auto index_text = build.custom.find("promotion_index");
  const ScannedNumber<std::uint64_t> index = index_text == build.custom.end()
                                                 ? ScanUnsigned("", 0, 0)
                                                 : ScanUnsigned(index_text->second, 0, UINT64_MAX);
  if (!index.ok()) return Error::Failed("current's metadata names no promotion record");
  VIGIL_ASSIGN_OR_RETURN(tlog::Checkpoint checkpoint,
                         tlog::FetchCheckpoint(ledger, ledger_key, ledger_key.name()));
  VIGIL_ASSIGN_OR_RETURN(Bytes entry, tlog::FetchProvenEntry(ledger, index.value, checkpoint));
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json record, ReadPromotionRecord(build, entry));
  VIGIL_ASSIGN_OR_RETURN(auto verifier, release::DetachedVerifier::Create(maintainers_keyring));
  std::set<std::string> signers;
  for (const nlohmann::json& approval : record["approvals"]) {
    if (!approval.is_object() || !approval.contains("signed") || !approval["signed"].is_string()) {
      continue;
    }
    auto message = gateway::ParseClearSigned(approval["signed"].get<std::string>());
    if (!message.ok()) continue;
    auto command = gateway::ParseCommand(message->line);
    if (!command.ok() || command->verb != gateway::Command::Verb::kPromote ||
        command->component != build.component || command->build_id != build.build_id ||
        message->line != record.value("line", "")) {
      continue;
    }
    VIGIL_ASSIGN_OR_RETURN(auto verdicts,
                           verifier->Verify(message->signature, message->line, "approval"));
    if (verdicts.size() == 1) {
      if (const auto* signer = std::get_if<release::ValidSigner>(&verdicts.front())) {
        signers.insert(signer->fingerprint);
      }
    }
  }
  if (signers.size() < threshold) {
    return Error::Failed("the promotion of " + build.build_id + " carries " +
                         std::to_string(signers.size()) + " valid maintainer signature(s) from " +
                         maintainers_keyring + "; " + std::to_string(threshold) + " are needed");
  }
  return std::vector<std::string>(signers.begin(), signers.end());
}

}  // namespace vigil::cli
