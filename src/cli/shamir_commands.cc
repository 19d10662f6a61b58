#include <filesystem>
#include <iostream>
#include <vector>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "crypto/shamir.h"
#include "crypto/share_files.h"

namespace vigil::cli {
namespace {

struct SplitArgs {
  std::size_t threshold = 0;
  std::size_t shares = 0;
  std::string in;
  std::string out_dir;
};

struct ReconstructArgs {
  std::vector<std::string> share_files;
  std::string out;
  std::size_t threshold = 0;
};

Status Split(const SplitArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(std::filesystem::path out, crypto::NewShareDirectory(args.out_dir));
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes secret, ReadInput(args.in));
  VIGIL_ASSIGN_OR_RETURN(std::vector<crypto::SecretBytes> shares,
                         crypto::shamir::Split(secret.view(), args.threshold, args.shares));
  VIGIL_RETURN_IF_ERROR(crypto::WriteShareDirectory(out, shares));
  std::cerr << "vigil: wrote " << shares.size() << " shares (any " << args.threshold
            << " reconstruct the secret) to " << out.string() << "/share.1 ... share."
            << shares.size() << "\n";
  return OkStatus();
}

Status Reconstruct(const ReconstructArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes secret,
                         crypto::ReconstructFromShareFiles(args.share_files, args.threshold));
  return WriteOutput(args.out, secret.view(), 0600);
}

}  // namespace

void AddShamirCommands(CLI::App& app, int* exit_code) {
  CLI::App* shamir = app.add_subcommand(
      "shamir", "Shamir secret sharing over GF(2^8), QuorumOS share format (hex files)");
  shamir->require_subcommand(1);

  auto [s, split] = AddCommand<SplitArgs>(
      *shamir, "split", "Split a secret into N shares, any K of which reconstruct it", exit_code,
      Split);
  // The ranges are checked on the text, before it is read into an unsigned value: "-1" is
  // refused as itself rather than wrapped to 2^64 - 1.
  s->add_option("--threshold", split->threshold, "K: shares needed (2 to 255)")
      ->required()
      ->check(CLI::Range(2, 255));
  s->add_option("--shares", split->shares, "N: shares made (K to 255)")
      ->required()
      ->check(CLI::Range(2, 255));
  s->add_option("--in", split->in, "The secret (default: standard input)");
  s->add_option("--out-dir", split->out_dir, "New directory for share.1 ... share.N (0600)")
      ->required();

  auto [r, reconstruct] = AddCommand<ReconstructArgs>(
      *shamir, "reconstruct", "Reconstruct a secret from shares", exit_code, Reconstruct);
  r->add_option("SHARE_FILE", reconstruct->share_files, "Share files (hex)")
      ->required()
      ->expected(1, 255);
  r->add_option("--threshold", reconstruct->threshold,
                "Refuse fewer than this many shares (fewer give a wrong secret silently)")
      ->check(CLI::Range(2, 255));
  r->add_option("--out", reconstruct->out, "Secret file, written 0600 (default: standard output)");
}

}  // namespace vigil::cli
