#include <iostream>
#include <optional>

#include "base/file.h"
#include "base/printable.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/ledger_fetch.h"
#include "crypto/file_hash.h"
#include "http/client.h"
#include "provenance/dsse.h"
#include "provenance/ledger_check.h"
#include "provenance/provenance.h"
#include "provenance/signed_artifact.h"
#include "tlog/note.h"
#include "tlog/trusted_log.h"

namespace vigil::cli {
namespace {

constexpr std::uint64_t kMaxArtifactSize = 8ull << 30;

struct VerifyArtifactArgs {
  std::string file, envelope, key, ledger_key;
  LedgerOptions ledger;
  bool json = false;
};

Status CheckArguments(const VerifyArtifactArgs& args) {
  if (!args.ledger.url.empty() && args.ledger_key.empty()) {
    return Error::BadInput(
        "--ledger needs --ledger-key (the ledger's verifier key "
        "or a file holding it: `vigil log vkey DIR`)");
  }
  // A ledger key alone would check nothing: refuse rather than let the caller believe the
  // build and its signature record were proved.
  if (args.ledger.url.empty() && !args.ledger_key.empty()) {
    return Error::BadInput(
        "--ledger-key needs --ledger (the ledger's URL) to prove the build and its signature "
        "record; without both, only the signature is checked");
  }
  if (!args.ledger.url.empty()) {
    if (auto url = http::ParseUrl(args.ledger.url); !url.ok())
      return url.error().WithContext("--ledger");
  }
  return OkStatus();
}

Result<provenance::VerifiedArtifact> VerifySignature(const VerifyArtifactArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(Bytes envelope_bytes,
                         ReadFile(args.envelope, provenance::kMaxEnvelopeSize));
  std::string envelope_text(AsText(envelope_bytes));
  // The signer answers the envelope followed by a newline; the record hashes the JSON.
  if (!envelope_text.empty() && envelope_text.back() == '\n') envelope_text.pop_back();
  auto envelope = provenance::ParseEnvelope(envelope_text);
  if (!envelope.ok()) return envelope.error().WithContext(args.envelope);
  VIGIL_ASSIGN_OR_RETURN(crypto::PublicKey key, crypto::PublicKey::FromPemFile(args.key));
  return provenance::VerifySignedArtifact(
      *envelope, envelope_text, key,
      [&args] { return crypto::Sha256OfFile(args.file, kMaxArtifactSize); }, args.file);
}

Result<provenance::LedgerProof> ProveInLedger(const VerifyArtifactArgs& args,
                                              const provenance::SignedArtifact& artifact) {
  auto verifier = tlog::ReadVerifierKey(args.ledger_key);
  if (!verifier.ok()) return verifier.error().WithContext("--ledger-key");
  VIGIL_ASSIGN_OR_RETURN(tlog::TileFetcher fetch, LedgerFetcher(args.ledger));
  return provenance::CheckLedger(fetch, *verifier, artifact);
}

void Print(const VerifyArtifactArgs& args, const provenance::VerifiedArtifact& verified,
           const std::optional<provenance::LedgerProof>& proof) {
  const provenance::StatementSummary& statement = verified.artifact.statement;
  if (args.json) {
    Json out{{"file", args.file},
             {"sha256", crypto::Sha256Hex(verified.artifact.sha256)},
             {"subject", verified.subject},
             {"key_id", verified.artifact.key_id},
             {"build_id", statement.build_id},
             {"builder", statement.builder_id},
             {"ledger_origin", statement.ledger_origin},
             {"build_index", statement.ledger_index}};
    if (proof) {
      out["ledger"] = {{"tree_size", proof->tree_size},
                       {"build_index", proof->build_index},
                       {"signature_record_index", proof->record_index}};
    }
    PrintJson(out);
    return;
  }
  std::cout << args.file << ": signed by key " << verified.artifact.key_id.substr(0, 16)
            << "... as '" << Printable(verified.subject) << "' of build "
            << Printable(statement.build_id) << " (" << Printable(statement.builder_id) << ")\n";
  if (proof) {
    std::cout << "ledger " << Printable(statement.ledger_origin) << ": the build (entry "
              << proof->build_index << ") and the signature record (entry " << proof->record_index
              << ") are in the signed tree of size " << proof->tree_size << "\n";
  }
}

Status VerifyArtifact(const VerifyArtifactArgs& args) {
  VIGIL_RETURN_IF_ERROR(CheckArguments(args));
  VIGIL_ASSIGN_OR_RETURN(provenance::VerifiedArtifact verified, VerifySignature(args));
  std::optional<provenance::LedgerProof> proof;
  if (!args.ledger.url.empty()) {
    VIGIL_ASSIGN_OR_RETURN(proof, ProveInLedger(args, verified.artifact));
  }
  Print(args, verified, proof);
  return OkStatus();
}

}  // namespace

void AddVerifyArtifactCommand(CLI::App& app, int* exit_code) {
  auto [command, args] = AddCommand<VerifyArtifactArgs>(
      app, "verify-artifact",
      "Verify a signed artifact: the DSSE envelope's signature, that FILE is one of its "
      "subjects, and with --ledger that the build and the signature are in the ledger",
      exit_code, VerifyArtifact);
  command->add_option("file", args->file, "The artifact")->required();
  command->add_option("--envelope", args->envelope, "The DSSE envelope from the signer")
      ->required();
  command->add_option("--key", args->key, "The signer's public key (PEM)")->required();
  AddLedgerOptions(*command, args->ledger);
  command->add_option("--ledger-key", args->ledger_key,
                      "The ledger's verifier key, or a file whose first line is it");
  command->add_flag("--json", args->json, "Print the result as JSON");
}

}  // namespace vigil::cli
