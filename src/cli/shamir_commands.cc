#include <sys/stat.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "base/file.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/io.h"
#include "crypto/key_file.h"
#include "crypto/shamir.h"

namespace vigil::cli {
namespace {

constexpr std::size_t kMaxShareBytes = 64 * 1024 + 1;

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

int Split(const SplitArgs& args) {
  std::filesystem::path out = args.out_dir;
  while (!out.empty() && out.filename().empty()) out = out.parent_path();
  std::error_code ec;
  if (out.empty() ||
      std::filesystem::symlink_status(out, ec).type() != std::filesystem::file_type::not_found) {
    return ReportError(Error::BadInput("--out-dir " + args.out_dir +
                                       " must name a directory that does not exist yet"));
  }
  auto secret = ReadInput(args.in);
  if (!secret.ok()) return ReportError(secret.error());
  auto shares = crypto::shamir::Split(secret->view(), args.threshold, args.shares);
  if (!shares.ok()) return ReportError(shares.error());

  // All shares are written into a private staging directory renamed into place, so a
  // failure leaves no partial set of shares behind.
  std::filesystem::path parent = out.parent_path().empty() ? "." : out.parent_path();
  auto staging = TempDir::Create(parent, "." + out.filename().string() + ".partial-");
  if (!staging.ok()) return ReportError(staging.error());
  for (std::size_t i = 0; i < shares->size(); ++i) {
    Status written = crypto::WriteSecretHexFile(
        staging->path() / ("share." + std::to_string(i + 1)), (*shares)[i]);
    if (!written.ok()) return ReportError(written.error());
  }
  ::chmod(staging->path().c_str(), 0700);
  Status published = PublishDirectory(staging->path(), out);
  if (!published.ok()) return ReportError(published.error());
  staging->Release();
  std::cerr << "vigil: wrote " << shares->size() << " shares (any " << args.threshold
            << " reconstruct the secret) to " << out.string() << "/share.1 ... share."
            << shares->size() << "\n";
  return 0;
}

int Reconstruct(const ReconstructArgs& args) {
  if (args.threshold != 0 && args.share_files.size() < args.threshold) {
    return ReportError(Error::BadInput("only " + std::to_string(args.share_files.size()) +
                                       " shares given; the threshold is " +
                                       std::to_string(args.threshold)));
  }
  std::vector<crypto::SecretBytes> shares;
  for (const auto& file : args.share_files) {
    auto share = crypto::ReadSecretHexFile(file, 0);
    if (!share.ok()) return ReportError(share.error().WithContext("cannot read a share"));
    if (share->size() > kMaxShareBytes) {
      return ReportError(Error::BadInput(file + " is larger than any share can be"));
    }
    shares.push_back(std::move(share).value());
  }
  std::vector<ByteView> views;
  for (const auto& share : shares) views.push_back(share.view());
  auto secret = crypto::shamir::Reconstruct(views);
  if (!secret.ok()) return ReportError(secret.error());
  Status written = WriteOutput(args.out, secret->view(), 0600);
  return written.ok() ? 0 : ReportError(written.error());
}

}  // namespace

void AddShamirCommands(CLI::App& app, int* exit_code) {
  CLI::App* shamir = app.add_subcommand(
      "shamir", "Shamir secret sharing over GF(2^8), QuorumOS share format (hex files)");
  shamir->require_subcommand(1);

  auto split = std::make_shared<SplitArgs>();
  CLI::App* s = shamir->add_subcommand(
      "split", "Split a secret into N shares, any K of which reconstruct it");
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
  s->callback([split, exit_code] { *exit_code = Split(*split); });

  auto reconstruct = std::make_shared<ReconstructArgs>();
  CLI::App* r = shamir->add_subcommand("reconstruct", "Reconstruct a secret from shares");
  r->add_option("SHARE_FILE", reconstruct->share_files, "Share files (hex)")
      ->required()
      ->expected(1, 255);
  r->add_option("--threshold", reconstruct->threshold,
                "Refuse fewer than this many shares (fewer give a wrong secret silently)")
      ->check(CLI::Range(2, 255));
  r->add_option("--out", reconstruct->out, "Secret file, written 0600 (default: standard output)");
  r->callback([reconstruct, exit_code] { *exit_code = Reconstruct(*reconstruct); });
}

}  // namespace vigil::cli
