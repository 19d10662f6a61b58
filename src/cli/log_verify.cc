#include <iostream>
#include <memory>

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

namespace vigil::cli {
namespace {

constexpr std::uint64_t kMaxTrustedFileSize = 64 * 1024;

struct VerifyArgs {
  std::string ledger;
  double timeout = 60;
  std::string trusted;
  std::string proof;
  bool json = false;
};

Result<tlog::TrustedLog> ReadTrusted(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, kMaxTrustedFileSize));
  return tlog::ParseTrustedLog(AsText(bytes), path);
}

int Verify(const VerifyArgs& args) {
  auto trusted = ReadTrusted(args.trusted);
  if (!trusted.ok()) return ReportError(trusted.error());
  const tlog::NoteVerifier& verifier = trusted->verifier;
  const std::string origin = verifier.name();
  const std::optional<tlog::Checkpoint>& old_checkpoint = trusted->checkpoint;
  std::optional<tlog::Receipt> receipt;
  if (!args.proof.empty()) {
    auto bytes = ReadFile(args.proof, 1 << 20);
    if (!bytes.ok()) return ReportError(bytes.error());
    auto parsed = tlog::ParseReceipt(AsText(*bytes));
    if (!parsed.ok()) return ReportError(parsed.error().WithContext(args.proof));
    receipt = std::move(parsed).value();
  }
  auto fetch = LedgerFetcher(
      args.ledger, std::chrono::milliseconds(static_cast<std::int64_t>(args.timeout * 1000)));
  if (!fetch.ok()) return ReportError(fetch.error());

  std::string note;
  auto latest = tlog::FetchCheckpoint(*fetch, verifier, origin, &note);
  if (!latest.ok()) return ReportError(latest.error());
  if (old_checkpoint) {
    Status consistent = tlog::CheckExtends(*fetch, *old_checkpoint, *latest);
    if (!consistent.ok()) return ReportError(consistent.error());
  }
  Json out{{"origin", origin},
           {"size", latest->size},
           {"root", Base64Encode(latest->root)},
           {"trusted_size", old_checkpoint ? Json(old_checkpoint->size) : Json(nullptr)}};
  if (receipt) {
    auto proven = tlog::VerifyReceipt(*receipt, verifier, origin);
    if (!proven.ok()) return ReportError(proven.error().WithContext(args.proof));
    Status consistent = tlog::CheckExtends(*fetch, *proven, *latest);
    if (!consistent.ok()) {
      return ReportError(consistent.error().WithContext("the receipt's checkpoint"));
    }
    out["proof"] = {{"index", receipt->index}, {"checkpoint_size", proven->size}};
  }
  // Only a fully verified checkpoint becomes the new trusted state.
  Status saved =
      WriteFileAtomic(args.trusted, AsBytes(tlog::FormatTrustedLog(*trusted, note)), 0644);
  if (!saved.ok()) return ReportError(saved.error());
  if (args.json) {
    PrintJson(out);
    return 0;
  }
  std::cout << "ledger " << origin << ": size " << latest->size << ", root "
            << Base64Encode(latest->root);
  if (old_checkpoint) {
    std::cout << ", consistent with the trusted size " << old_checkpoint->size;
  } else {
    std::cout << " (first checkpoint seen: now trusted)";
  }
  std::cout << "\n";
  if (receipt) {
    std::cout << "receipt: entry " << receipt->index << " is in the log\n";
  }
  return 0;
}

}  // namespace

void AddLogVerifyCommand(CLI::App& log, int* exit_code) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* verify = log.add_subcommand(
      "verify",
      "Verify a ledger: its checkpoint's signature and consistency with the trusted one "
      "(exit 1 on a fork), and optionally a receipt; then update the trusted file");
  verify->add_option("--ledger", args->ledger, "The ledger's HTTP address, http://HOST:PORT")
      ->required();
  verify
      ->add_option("--trusted", args->trusted,
                   "The trusted file: the verifier key line, then the last checkpoint "
                   "verified (updated on success)")
      ->required();
  verify->add_option("--proof", args->proof, "A receipt (C2SP tlog-proof) to check as well");
  verify
      ->add_option("--timeout", args->timeout,
                   "Seconds each fetch from the ledger may take in all (default 60)")
      ->check(CLI::Range(0.1, 3600.0));
  verify->add_flag("--json", args->json, "Print the result as JSON");
  verify->callback([args, exit_code] { *exit_code = Verify(*args); });
}

}  // namespace vigil::cli
