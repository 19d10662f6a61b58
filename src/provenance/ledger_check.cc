#include "provenance/ledger_check.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "provenance/build_log_entry.h"
#include "provenance/signature_record.h"
#include "tlog/tile_client.h"

namespace vigil::provenance {
namespace {

using Json = nlohmann::json;

// The build entry must be the closed build of the statement, with its log, that declared
// the artifact.
Status CheckBuildEntry(const tlog::TileFetcher& fetch, const tlog::Checkpoint& checkpoint,
                       const SignedArtifact& artifact) {
  const StatementSummary& statement = artifact.statement;
  const std::string where = "ledger entry " + std::to_string(statement.ledger_index);
  VIGIL_ASSIGN_OR_RETURN(Bytes entry,
                         tlog::FetchProvenEntry(fetch, statement.ledger_index, checkpoint));
  auto build = ParseBuildLogEntry(entry);
  if (!build.ok()) return build.error().WithContext(where);
  const bool declared = std::any_of(build->artifacts.begin(), build->artifacts.end(),
                                    [&](const auto& a) { return a.sha256 == artifact.sha256; });
  if (build->build_id != statement.build_id || build->status != "closed" ||
      build->log_sha256 != statement.log_sha256 || !declared) {
    return Error::Failed(where + " does not match the provenance: it must be the closed build " +
                         statement.build_id + " with this log and declaring this artifact");
  }
  return OkStatus();
}

// The indexes of the build's signature records, as the ledger lists them.
Result<std::vector<std::uint64_t>> SignatureIndexes(const tlog::TileFetcher& fetch,
                                                    const std::string& build_id) {
  VIGIL_ASSIGN_OR_RETURN(Bytes listing, fetch("builds/" + build_id + "/signatures"));
  const Json indexes = Json::parse(listing.begin(), listing.end(), nullptr, false);
  if (!indexes.is_array() || indexes.size() > kMaxSignatureRecords) {
    return Error::Failed("the ledger's list of signature records is malformed");
  }
  std::vector<std::uint64_t> out;
  for (const Json& index : indexes) {
    if (!index.is_number_unsigned()) return Error::Failed("malformed signature record index");
    out.push_back(index.get<std::uint64_t>());
  }
  return out;
}

// The envelope SHA-256 a signature record at `bytes` logged for this build and key;
// nullopt for any other record (or one that is not a well-formed signature record).
std::optional<std::string> LoggedEnvelope(ByteView bytes, const SignedArtifact& artifact) {
  auto logged = ParseLoggedSignature(bytes);
  if (!logged.ok()) return std::nullopt;
  const SignatureRecord& record = logged->record;
  if (record.key_id != artifact.key_id || record.build_id != artifact.statement.build_id) {
    return std::nullopt;
  }
  return record.envelope_sha256;
}

// Why no record matched: the nearest record of this build and key, if any.
Error NoRecord(const SignedArtifact& artifact, std::optional<std::uint64_t> other_index,
               const std::string& other_sha256) {
  if (other_index && other_sha256 == artifact.canonical_sha256) {
    return Error::Failed(
        "the envelope's bytes differ from what the ledger logged (entry " +
        std::to_string(*other_index) +
        "): it is the logged envelope re-encoded (re-indented or reordered JSON), whose "
        "signature still verifies since it covers only the payload, but the ledger vouches "
        "only for the exact bytes; verify the envelope exactly as the signer returned it");
  }
  if (other_index) {
    return Error::Failed("the envelope's bytes differ from what the ledger logged for build " +
                         artifact.statement.build_id + " and this key (entry " +
                         std::to_string(*other_index) + ", envelope SHA-256 " + other_sha256 +
                         "; these bytes have " + artifact.envelope_sha256 +
                         "); verify the envelope exactly as the signer returned it");
  }
  return Error::Failed("the ledger has no signature record of this envelope for build " +
                       artifact.statement.build_id +
                       ": it was not signed through the signer, or the ledger lost the record");
}

// The index of the signature record of exactly these envelope bytes.
Result<std::uint64_t> FindSignatureRecord(const tlog::TileFetcher& fetch,
                                          const tlog::Checkpoint& checkpoint,
                                          const SignedArtifact& artifact) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<std::uint64_t> indexes,
                         SignatureIndexes(fetch, artifact.statement.build_id));
  // A record of this build and key for other envelope bytes: which, and whether they are
  // these bytes in the signer's own encoding.
  std::optional<std::uint64_t> other_index;
  std::string other_sha256;
  for (const std::uint64_t index : indexes) {
    VIGIL_ASSIGN_OR_RETURN(Bytes bytes, tlog::FetchProvenEntry(fetch, index, checkpoint));
    const std::optional<std::string> logged = LoggedEnvelope(bytes, artifact);
    if (!logged) continue;
    if (*logged == artifact.envelope_sha256) return index;
    if (!other_index || *logged == artifact.canonical_sha256) {
      other_index = index;
      other_sha256 = *logged;
    }
  }
  return NoRecord(artifact, other_index, other_sha256);
}

}  // namespace

Result<LedgerProof> CheckLedger(const tlog::TileFetcher& fetch, const tlog::NoteVerifier& verifier,
                                const SignedArtifact& artifact) {
  const StatementSummary& statement = artifact.statement;
  if (verifier.name() != statement.ledger_origin) {
    return Error::Failed("the provenance names ledger '" + statement.ledger_origin +
                         "', but --ledger-key is the key of '" + verifier.name() + "'");
  }
  VIGIL_ASSIGN_OR_RETURN(tlog::Checkpoint checkpoint,
                         tlog::FetchCheckpoint(fetch, verifier, statement.ledger_origin));
  VIGIL_RETURN_IF_ERROR(CheckBuildEntry(fetch, checkpoint, artifact));
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t record, FindSignatureRecord(fetch, checkpoint, artifact));
  return LedgerProof{checkpoint.size, statement.ledger_index, record};
}

}  // namespace vigil::provenance
