#include <filesystem>
#include <iostream>

#include "base/printable.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "release/git_signatures.h"
#include "release/signing.h"
#include "release/threshold.h"

namespace vigil::cli {
namespace {

// What a release command acts on: a DIST directory, or with --git a commit's tree.
struct Target {
  std::string dist;
  std::string git_revision;
  std::string repo = ".";
};

// Exactly one of DIST and --git.
Status CheckTarget(const Target& target) {
  if (target.dist.empty() == target.git_revision.empty()) {
    return Error::BadInput("give either DIST or --git REVISION (exactly one)");
  }
  return OkStatus();
}

struct SignArgs {
  Target target;
  release::SignOptions options;
};

struct VerifyArgs {
  Target target;
  std::string keyring;
  int threshold = 0;
  bool json = false;
};

Status Sign(const SignArgs& args) {
  const Target& target = args.target;
  VIGIL_RETURN_IF_ERROR(CheckTarget(target));
  if (!target.git_revision.empty()) {
    VIGIL_ASSIGN_OR_RETURN(
        auto signed_revision,
        release::SignGitRevision(target.repo, target.git_revision, args.options));
    std::cout << "signed tree " << signed_revision.tree << " of commit " << signed_revision.commit
              << " in " << release::kSignaturesNotesRef << "\n";
    return OkStatus();
  }
  VIGIL_ASSIGN_OR_RETURN(std::filesystem::path written,
                         release::SignRelease(target.dist, args.options));
  std::cout << written.string() << "\n";
  return OkStatus();
}

Status Verify(const VerifyArgs& args) {
  const Target& target = args.target;
  VIGIL_RETURN_IF_ERROR(CheckTarget(target));
  auto report = target.git_revision.empty()
                    ? release::VerifyRelease(target.dist, args.keyring, args.threshold)
                    : release::VerifyGitRevision(target.repo, target.git_revision, args.keyring,
                                                 args.threshold);
  if (!report.ok()) return report.error();
  if (args.json) {
    Json valid = Json::array();
    for (const auto& s : report->valid) {
      valid.push_back({{"fingerprint", s.fingerprint}, {"uid", s.uid}, {"file", s.file}});
    }
    Json invalid = Json::array();
    for (const auto& r : report->invalid)
      invalid.push_back({{"file", r.file}, {"reason", r.reason}});
    PrintJson({{"threshold", report->threshold},
               {"valid", valid},
               {"invalid", invalid},
               {"ok", report->ok()}});
  } else {
    for (const auto& s : report->valid) {
      std::cout << "signed by " << s.fingerprint << " " << Printable(s.uid) << " ("
                << Printable(s.file) << ")\n";
    }
    for (const auto& r : report->invalid) {
      std::cout << "not counted: " << Printable(r.file) << ": " << Printable(r.reason) << "\n";
    }
    std::cout << report->valid.size() << " distinct valid signer(s), " << report->threshold
              << " required: " << (report->ok() ? "OK" : "NOT ENOUGH") << "\n";
  }
  if (!report->ok()) {
    return Error::Failed(std::to_string(report->valid.size()) +
                         " distinct valid signer(s), fewer than the threshold " +
                         std::to_string(report->threshold));
  }
  return OkStatus();
}

}  // namespace

void AddReleaseCommands(CLI::App& app, int* exit_code) {
  CLI::App* rel = app.add_subcommand("release", "Maintainer signatures over a release (OpenPGP)");
  rel->require_subcommand(1);

  auto add_target = [](CLI::App* command, Target& target) {
    command->add_option("DIST", target.dist, "Release directory holding SHA256SUMS");
    CLI::Option* git = command->add_option(
        "--git", target.git_revision,
        "Instead of DIST: a commit (e.g. HEAD, v1.0) whose tree hash is signed, kept in the note "
        "refs/notes/signatures");
    command->add_option("--repo", target.repo, "With --git: the repository")
        ->capture_default_str()
        ->needs(git);
  };
  auto [s, sign] = AddCommand<SignArgs>(
      *rel, "sign",
      "Sign DIST/SHA256SUMS (detached, armoured) into DIST/signatures/<FINGERPRINT>.asc, or "
      "with --git a commit's tree hash into its note in refs/notes/signatures",
      exit_code, Sign);
  add_target(s, sign->target);
  s->add_option("--key", sign->options.fingerprint,
                "Full fingerprint (40 hex digits) of the signer's primary key")
      ->required();
  s->add_option("--gnupg-home", sign->options.gnupg_home,
                "GnuPG home holding the secret key (default: the usual GNUPGHOME)");

  auto [v, verify] = AddCommand<VerifyArgs>(
      *rel, "verify",
      "Check DIST against SHA256SUMS (or with --git take a commit's tree) and count distinct "
      "valid signers; exit 0 if >= N",
      exit_code, Verify);
  add_target(v, verify->target);
  v->add_option("--keyring", verify->keyring,
                "Exported public keyring (armoured or binary): the only keys that count")
      ->required();
  v->add_option("--threshold", verify->threshold, "Distinct valid signers required (>= 1)")
      ->required();
  v->add_flag("--json", verify->json, "Print the result as JSON");
}

}  // namespace vigil::cli
