#include <iostream>

#include "base/base64.h"
#include "base/file.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/ledger_fetch.h"
#include "tlog/checkpoint.h"
#include "tlog/fork_check.h"
#include "tlog/note.h"
#include "tlog/receipt.h"
#include "tlog/tile_client.h"
#include "tlog/trusted_log.h"
#include "tlog/witness_policy.h"

namespace vigil::cli {
namespace {

struct VerifyArgs {
  LedgerOptions ledger;
  std::string trusted;
  std::string proof;
  bool json = false;
};

Status Verify(const VerifyArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(tlog::TrustedLog trusted, tlog::ReadTrustedLog(args.trusted));
  const tlog::NoteVerifier& verifier = trusted.verifier;
  const std::string origin = verifier.name();
  const std::optional<tlog::Checkpoint>& old_checkpoint = trusted.checkpoint;
  std::optional<tlog::Receipt> receipt;
  if (!args.proof.empty()) {
    VIGIL_ASSIGN_OR_RETURN(receipt, tlog::ReadReceiptFile(args.proof));
  }
  VIGIL_ASSIGN_OR_RETURN(tlog::TileFetcher fetch, LedgerFetcher(args.ledger));

  std::string note;
  VIGIL_ASSIGN_OR_RETURN(tlog::Checkpoint latest,
                         tlog::FetchCheckpoint(fetch, verifier, origin, &note));
  std::optional<tlog::WitnessPolicy> policy;  // the fetcher checked the latest checkpoint
  if (!args.ledger.witness_policy.empty()) {
    VIGIL_ASSIGN_OR_RETURN(policy, tlog::ReadWitnessPolicy(args.ledger.witness_policy));
  }
  if (old_checkpoint) VIGIL_RETURN_IF_ERROR(tlog::CheckExtends(fetch, *old_checkpoint, latest));
  Json out{{"origin", origin},
           {"size", latest.size},
           {"root", Base64Encode(latest.root)},
           {"trusted_size", old_checkpoint ? Json(old_checkpoint->size) : Json(nullptr)}};
  if (receipt) {
    auto proven = tlog::VerifyReceipt(*receipt, verifier, origin);
    if (!proven.ok()) return proven.error().WithContext(args.proof);
    if (policy) {
      Status witnessed = tlog::CheckWitnessPolicy(*policy, receipt->checkpoint);
      if (!witnessed.ok()) return witnessed.error().WithContext(args.proof);
    }
    Status consistent = tlog::CheckExtends(fetch, *proven, latest);
    if (!consistent.ok()) return consistent.error().WithContext("the receipt's checkpoint");
    out["proof"] = {{"index", receipt->index}, {"checkpoint_size", proven->size}};
  }
  // Only a fully verified checkpoint becomes the new trusted state.
  VIGIL_RETURN_IF_ERROR(
      WriteFileAtomic(args.trusted, AsBytes(tlog::FormatTrustedLog(trusted, note)), 0644));
  if (args.json) {
    PrintJson(out);
    return OkStatus();
  }
  std::cout << "ledger " << origin << ": size " << latest.size << ", root "
            << Base64Encode(latest.root);
  if (old_checkpoint) {
    std::cout << ", consistent with the trusted size " << old_checkpoint->size;
  } else {
    std::cout << " (first checkpoint seen: now trusted)";
  }
  std::cout << "\n";
  if (receipt) {
    std::cout << "receipt: entry " << receipt->index << " is in the log\n";
  }
  return OkStatus();
}

}  // namespace

void AddLogVerifyCommand(CLI::App& log, int* exit_code) {
  auto [verify, args] = AddCommand<VerifyArgs>(
      log, "verify",
      "Verify a ledger: its checkpoint's signature and consistency with the trusted one "
      "(exit 1 on a fork), and optionally a receipt; then update the trusted file",
      exit_code, Verify);
  AddLedgerOptions(*verify, args->ledger)->required();
  verify
      ->add_option("--trusted", args->trusted,
                   "The trusted file: the verifier key line, then the last checkpoint "
                   "verified (updated on success)")
      ->required();
  verify->add_option("--proof", args->proof, "A receipt (C2SP tlog-proof) to check as well");

  verify->add_flag("--json", args->json, "Print the result as JSON");
}

}  // namespace vigil::cli
