#include "cli/verify_artifact.h"

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>

#include "base/file.h"
#include "base/hex.h"
#include "base/printable.h"
#include "cli/cli_util.h"
#include "cli/ledger_reader.h"
#include "crypto/file_hash.h"
#include "crypto/hash.h"
#include "http/client.h"
#include "provenance/build_record.h"
#include "provenance/dsse.h"
#include "provenance/provenance.h"
#include "tlog/note.h"

namespace vigil::cli {
namespace {

constexpr std::uint64_t kMaxArtifactSize = 8ull << 30;
constexpr std::size_t kMaxSignatureRecords = 64;

struct VerifyArtifactArgs {
  std::string file, envelope, key, ledger, ledger_key;
  double timeout = 60;
  bool json = false;
};

// What the ledger proved: the build entry and the signature record, both in its tree.
struct LedgerProof {
  std::uint64_t tree_size = 0;
  std::uint64_t build_index = 0;
  std::uint64_t record_index = 0;
};

Result<std::string> ReadVerifierKey(const std::string& file_or_text) {
  if (file_or_text.find('+') != std::string::npos && !fs::exists(file_or_text)) {
    return file_or_text;
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(file_or_text, 64 * 1024));
  std::string text(bytes.begin(), bytes.end());
  return text.substr(0, text.find('\n'));
}

// Finds the build's entry and the signature record of this envelope in the ledger and
// proves both against its signed checkpoint.
Result<LedgerProof> CheckLedger(const VerifyArtifactArgs& args,
                                const provenance::StatementSummary& statement,
                                const std::string& file_sha256, const std::string& key_id,
                                const std::string& envelope_sha256,
                                const std::string& canonical_sha256) {
  VIGIL_ASSIGN_OR_RETURN(std::string vkey, ReadVerifierKey(args.ledger_key));
  auto verifier = tlog::NoteVerifier::Parse(vkey);
  if (!verifier.ok()) return verifier.error().WithContext("--ledger-key");
  if (verifier->name() != statement.ledger_origin) {
    return Error::Failed("the provenance names ledger '" + statement.ledger_origin +
                         "', but --ledger-key is the key of '" + verifier->name() + "'");
  }
  VIGIL_ASSIGN_OR_RETURN(
      LedgerReader ledger,
      LedgerReader::Connect(
          args.ledger, std::chrono::milliseconds(static_cast<std::int64_t>(args.timeout * 1000))));
  VIGIL_ASSIGN_OR_RETURN(tlog::Checkpoint checkpoint,
                         ledger.Checkpoint(*verifier, statement.ledger_origin));
  LedgerProof proof{checkpoint.size, statement.ledger_index, 0};

  VIGIL_ASSIGN_OR_RETURN(Bytes entry, ledger.ProvenEntry(statement.ledger_index, checkpoint));
  auto build = provenance::ParseBuildLogEntry(entry);
  if (!build.ok())
    return build.error().WithContext("ledger entry " + std::to_string(proof.build_index));
  const bool declared = std::any_of(build->artifacts.begin(), build->artifacts.end(),
                                    [&](const auto& a) { return a.sha256 == file_sha256; });
  if (build->build_id != statement.build_id || build->status != "closed" ||
      build->log_sha256 != statement.log_sha256 || !declared) {
    return Error::Failed("ledger entry " + std::to_string(proof.build_index) +
                         " does not match the provenance: it must be the closed build " +
                         statement.build_id + " with this log and declaring this artifact");
  }

  VIGIL_ASSIGN_OR_RETURN(Bytes listing, ledger.Get("builds/" + statement.build_id + "/signatures"));
  const Json indexes = Json::parse(listing.begin(), listing.end(), nullptr, false);
  if (!indexes.is_array() || indexes.size() > kMaxSignatureRecords) {
    return Error::Failed("the ledger's list of signature records is malformed");
  }
  // A record of this build and key for other envelope bytes: which, and whether they are
  // these bytes in the signer's own encoding.
  std::optional<std::uint64_t> other_index;
  std::string other_sha256;
  for (const Json& index : indexes) {
    if (!index.is_number_unsigned()) return Error::Failed("malformed signature record index");
    VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ledger.ProvenEntry(index.get<std::uint64_t>(), checkpoint));
    const Json record = Json::parse(bytes.begin(), bytes.end(), nullptr, false);
    if (!record.is_object() || record.value("type", "") != "signature" ||
        record.value("key_id", "") != key_id ||
        record.value("build_id", "") != statement.build_id) {
      continue;
    }
    const std::string logged = record.value("envelope_sha256", "");
    if (logged == envelope_sha256) {
      proof.record_index = index.get<std::uint64_t>();
      return proof;
    }
    if (!other_index || logged == canonical_sha256) {
      other_index = index.get<std::uint64_t>();
      other_sha256 = logged;
    }
  }
  if (other_index && other_sha256 == canonical_sha256) {
    return Error::Failed(
        "the envelope's bytes differ from what the ledger logged (entry " +
        std::to_string(*other_index) +
        "): it is the logged envelope re-encoded (re-indented or reordered JSON), whose "
        "signature still verifies since it covers only the payload, but the ledger vouches "
        "only for the exact bytes; verify the envelope exactly as the signer returned it");
  }
  if (other_index) {
    return Error::Failed("the envelope's bytes differ from what the ledger logged for build " +
                         statement.build_id + " and this key (entry " +
                         std::to_string(*other_index) + ", envelope SHA-256 " + other_sha256 +
                         "; these bytes have " + envelope_sha256 +
                         "); verify the envelope exactly as the signer returned it");
  }
  return Error::Failed("the ledger has no signature record of this envelope for build " +
                       statement.build_id +
                       ": it was not signed through the signer, or the "
                       "ledger lost the record");
}

int VerifyArtifact(const VerifyArtifactArgs& args) {
  if (!args.ledger.empty() && args.ledger_key.empty()) {
    return ReportError(
        Error::BadInput("--ledger needs --ledger-key (the ledger's verifier key "
                        "or a file holding it: `vigil log vkey DIR`)"));
  }
  // A ledger key alone would check nothing: refuse rather than let the caller believe the
  // build and its signature record were proved.
  if (args.ledger.empty() && !args.ledger_key.empty()) {
    return ReportError(Error::BadInput(
        "--ledger-key needs --ledger (the ledger's URL) to prove the build and its signature "
        "record; without both, only the signature is checked"));
  }
  if (!args.ledger.empty()) {
    if (auto url = http::ParseUrl(args.ledger); !url.ok()) {
      return ReportError(url.error().WithContext("--ledger"));
    }
  }
  auto envelope_bytes = ReadFile(args.envelope, provenance::kMaxEnvelopeSize);
  if (!envelope_bytes.ok()) return ReportError(envelope_bytes.error());
  std::string envelope_text(AsText(*envelope_bytes));
  // The signer answers the envelope followed by a newline; the record hashes the JSON.
  if (!envelope_text.empty() && envelope_text.back() == '\n') envelope_text.pop_back();
  auto envelope = provenance::ParseEnvelope(envelope_text);
  if (!envelope.ok()) return ReportError(envelope.error().WithContext(args.envelope));
  auto key_bytes = ReadFile(args.key, 64 * 1024);
  if (!key_bytes.ok()) return ReportError(key_bytes.error());
  auto key = crypto::PublicKey::FromPem(AsText(*key_bytes));
  if (!key.ok()) return ReportError(key.error().WithContext(args.key));

  Status signed_ok = provenance::VerifyEnvelope(*envelope, *key);
  if (!signed_ok.ok()) return ReportError(signed_ok.error());
  if (envelope->payload_type != provenance::kInTotoPayloadType) {
    return ReportError(Error::Failed("the envelope's payload type is '" + envelope->payload_type +
                                     "', not an in-toto statement"));
  }
  auto statement = provenance::ParseStatement(envelope->payload);
  if (!statement.ok()) return ReportError(statement.error());
  auto file_sha256 = crypto::Sha256OfFile(args.file, kMaxArtifactSize);
  if (!file_sha256.ok()) return ReportError(file_sha256.error());
  auto subject = std::find_if(statement->subjects.begin(), statement->subjects.end(),
                              [&](const auto& s) { return s.sha256 == *file_sha256; });
  if (subject == statement->subjects.end()) {
    return ReportError(Error::Failed(args.file + " (sha256 " + *file_sha256 +
                                     ") is not a subject of the envelope: it is not the artifact "
                                     "that was signed"));
  }
  Json out{{"file", args.file},
           {"sha256", *file_sha256},
           {"subject", subject->name},
           {"key_id", key->KeyId()},
           {"build_id", statement->build_id},
           {"builder", statement->builder_id},
           {"ledger_origin", statement->ledger_origin},
           {"build_index", statement->ledger_index}};
  if (!args.ledger.empty()) {
    const std::string envelope_sha256 = HexEncode(crypto::Sha256(AsBytes(envelope_text)));
    // The same envelope in the signer's encoding, to tell a re-encoded envelope apart.
    const std::string canonical_sha256 =
        HexEncode(crypto::Sha256(AsBytes(provenance::SerializeEnvelope(*envelope))));
    auto proof = CheckLedger(args, *statement, *file_sha256, key->KeyId(), envelope_sha256,
                             canonical_sha256);
    if (!proof.ok()) return ReportError(proof.error());
    out["ledger"] = {{"tree_size", proof->tree_size},
                     {"build_index", proof->build_index},
                     {"signature_record_index", proof->record_index}};
  }
  if (args.json) {
    PrintJson(out);
    return 0;
  }
  std::cout << args.file << ": signed by key " << key->KeyId().substr(0, 16) << "... as '"
            << Printable(subject->name) << "' of build " << Printable(statement->build_id) << " ("
            << Printable(statement->builder_id) << ")\n";
  if (!args.ledger.empty()) {
    std::cout << "ledger " << Printable(statement->ledger_origin) << ": the build (entry "
              << out["ledger"]["build_index"].get<std::uint64_t>()
              << ") and the signature record (entry "
              << out["ledger"]["signature_record_index"].get<std::uint64_t>()
              << ") are in the signed tree of size "
              << out["ledger"]["tree_size"].get<std::uint64_t>() << "\n";
  }
  return 0;
}

}  // namespace

void AddVerifyArtifactCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<VerifyArtifactArgs>();
  CLI::App* command = app.add_subcommand(
      "verify-artifact",
      "Verify a signed artifact: the DSSE envelope's signature, that FILE is one of its "
      "subjects, and with --ledger that the build and the signature are in the ledger");
  command->add_option("file", args->file, "The artifact")->required();
  command->add_option("--envelope", args->envelope, "The DSSE envelope from the signer")
      ->required();
  command->add_option("--key", args->key, "The signer's public key (PEM)")->required();
  command->add_option("--ledger", args->ledger, "The ledger's HTTP address, http://HOST:PORT");
  command->add_option("--ledger-key", args->ledger_key,
                      "The ledger's verifier key, or a file whose first line is it");
  command
      ->add_option("--timeout", args->timeout,
                   "Seconds each fetch from the ledger may take in all (default 60)")
      ->check(CLI::Range(0.1, 3600.0));
  command->add_flag("--json", args->json, "Print the result as JSON");
  command->callback([args, exit_code] { *exit_code = VerifyArtifact(*args); });
}

}  // namespace vigil::cli
