#include <iostream>
#include <memory>
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

namespace vigil::cli {
namespace {

constexpr std::uint64_t kMaxArtifactSize = 8ull << 30;

struct VerifyArtifactArgs {
  std::string file, envelope, key, ledger, ledger_key;
  double timeout = 60;
  bool json = false;
};

Result<std::string> ReadVerifierKey(const std::string& file_or_text) {
  if (file_or_text.find('+') != std::string::npos && !fs::exists(file_or_text)) {
    return file_or_text;
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(file_or_text, 64 * 1024));
  std::string text(bytes.begin(), bytes.end());
  return text.substr(0, text.find('\n'));
}

Status CheckArguments(const VerifyArtifactArgs& args) {
  if (!args.ledger.empty() && args.ledger_key.empty()) {
    return Error::BadInput(
        "--ledger needs --ledger-key (the ledger's verifier key "
        "or a file holding it: `vigil log vkey DIR`)");
  }
  // A ledger key alone would check nothing: refuse rather than let the caller believe the
  // build and its signature record were proved.
  if (args.ledger.empty() && !args.ledger_key.empty()) {
    return Error::BadInput(
        "--ledger-key needs --ledger (the ledger's URL) to prove the build and its signature "
        "record; without both, only the signature is checked");
  }
  if (!args.ledger.empty()) {
    if (auto url = http::ParseUrl(args.ledger); !url.ok())
      return url.error().WithContext("--ledger");
  }
  return OkStatus();
}

Result<crypto::PublicKey> ReadKey(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, 64 * 1024));
  auto key = crypto::PublicKey::FromPem(AsText(bytes));
  if (!key.ok()) return key.error().WithContext(path);
  return key;
}

Result<provenance::VerifiedArtifact> VerifySignature(const VerifyArtifactArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(Bytes envelope_bytes,
                         ReadFile(args.envelope, provenance::kMaxEnvelopeSize));
  std::string envelope_text(AsText(envelope_bytes));
  // The signer answers the envelope followed by a newline; the record hashes the JSON.
  if (!envelope_text.empty() && envelope_text.back() == '\n') envelope_text.pop_back();
  auto envelope = provenance::ParseEnvelope(envelope_text);
  if (!envelope.ok()) return envelope.error().WithContext(args.envelope);
  VIGIL_ASSIGN_OR_RETURN(crypto::PublicKey key, ReadKey(args.key));
  return provenance::VerifySignedArtifact(
      *envelope, envelope_text, key,
      [&args] { return crypto::Sha256OfFile(args.file, kMaxArtifactSize); }, args.file);
}

Result<provenance::LedgerProof> ProveInLedger(const VerifyArtifactArgs& args,
                                              const provenance::SignedArtifact& artifact) {
  VIGIL_ASSIGN_OR_RETURN(std::string vkey, ReadVerifierKey(args.ledger_key));
  auto verifier = tlog::NoteVerifier::Parse(vkey);
  if (!verifier.ok()) return verifier.error().WithContext("--ledger-key");
  VIGIL_ASSIGN_OR_RETURN(
      tlog::TileFetcher fetch,
      LedgerFetcher(args.ledger,
                    std::chrono::milliseconds(static_cast<std::int64_t>(args.timeout * 1000))));
  return provenance::CheckLedger(fetch, *verifier, artifact);
}

void Print(const VerifyArtifactArgs& args, const provenance::VerifiedArtifact& verified,
           const std::optional<provenance::LedgerProof>& proof) {
  const provenance::StatementSummary& statement = verified.artifact.statement;
  if (args.json) {
    Json out{{"file", args.file},
             {"sha256", verified.artifact.sha256},
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

int VerifyArtifact(const VerifyArtifactArgs& args) {
  if (Status checked = CheckArguments(args); !checked.ok()) return ReportError(checked.error());
  auto verified = VerifySignature(args);
  if (!verified.ok()) return ReportError(verified.error());
  std::optional<provenance::LedgerProof> proof;
  if (!args.ledger.empty()) {
    auto proven = ProveInLedger(args, verified->artifact);
    if (!proven.ok()) return ReportError(proven.error());
    proof = *proven;
  }
  Print(args, *verified, proof);
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
