#include "cli/release_commands.h"

#include <iostream>
#include <memory>

#include "cli/cli_util.h"
#include "release/signing.h"
#include "release/threshold.h"

namespace vigil::cli {
namespace {

int Sign(const std::string& dist, const release::SignOptions& options) {
  auto written = release::SignRelease(dist, options);
  if (!written.ok()) return ReportError(written.error());
  std::cout << written->string() << "\n";
  return 0;
}

int Verify(const std::string& dist, const std::string& keyring, int threshold, bool json) {
  auto report = release::VerifyRelease(dist, keyring, threshold);
  if (!report.ok()) return ReportError(report.error());
  if (json) {
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
      std::cout << "signed by " << s.fingerprint << " " << s.uid << " (" << s.file << ")\n";
    }
    for (const auto& r : report->invalid) {
      std::cout << "not counted: " << r.file << ": " << r.reason << "\n";
    }
    std::cout << report->valid.size() << " distinct valid signer(s), " << report->threshold
              << " required: " << (report->ok() ? "OK" : "NOT ENOUGH") << "\n";
  }
  if (!report->ok()) {
    return ReportError(Error::Failed(std::to_string(report->valid.size()) +
                                     " distinct valid signer(s), fewer than the threshold " +
                                     std::to_string(report->threshold)));
  }
  return 0;
}

}  // namespace

void AddReleaseCommands(CLI::App& app, int* exit_code) {
  CLI::App* rel = app.add_subcommand("release", "Maintainer signatures over a release (OpenPGP)");
  rel->require_subcommand(1);

  struct SignArgs {
    std::string dist;
    release::SignOptions options;
  };
  auto sign = std::make_shared<SignArgs>();
  CLI::App* s = rel->add_subcommand(
      "sign", "Sign DIST/SHA256SUMS (detached, armoured) into DIST/signatures/<FINGERPRINT>.asc");
  s->add_option("DIST", sign->dist, "Release directory holding SHA256SUMS")->required();
  s->add_option("--key", sign->options.fingerprint,
                "Full fingerprint (40 hex digits) of the signer's primary key")
      ->required();
  s->add_option("--gnupg-home", sign->options.gnupg_home,
                "GnuPG home holding the secret key (default: the usual GNUPGHOME)");
  s->callback([sign, exit_code] { *exit_code = Sign(sign->dist, sign->options); });

  struct VerifyArgs {
    std::string dist;
    std::string keyring;
    int threshold = 0;
    bool json = false;
  };
  auto verify = std::make_shared<VerifyArgs>();
  CLI::App* v = rel->add_subcommand(
      "verify", "Check DIST against SHA256SUMS and count distinct valid signers; exit 0 if >= N");
  v->add_option("DIST", verify->dist, "Release directory holding SHA256SUMS")->required();
  v->add_option("--keyring", verify->keyring,
                "Exported public keyring (armoured or binary): the only keys that count")
      ->required();
  v->add_option("--threshold", verify->threshold, "Distinct valid signers required (>= 1)")
      ->required();
  v->add_flag("--json", verify->json, "Print the result as JSON");
  v->callback([verify, exit_code] {
    *exit_code = Verify(verify->dist, verify->keyring, verify->threshold, verify->json);
  });
}

}  // namespace vigil::cli
