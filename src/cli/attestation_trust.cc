#include "cli/attestation_trust.h"

#include <ctime>

#include "attestation/mock_pki.h"
#include "base/file.h"
#include "cli/cli_util.h"

namespace vigil::cli {

void AddTrustOptions(CLI::App* command, AttestationTrust& trust, bool record) {
  trust.record = record;
  command->add_option("--time", trust.time, "The verifier's clock, Unix seconds (default: now)")
      ->check(NonNegativeInteger());
  command
      ->add_option("--max-age", trust.max_age,
                   record ? "How old the document may be, in seconds (default: any age; its "
                            "chain is checked at its own time)"
                          : "How old the document may be, in seconds (default 600)")
      ->check(NonNegativeInteger());
  command->add_option("--root", trust.root,
                      "The attestation root, PEM or DER (default: AWS's Nitro root)");
  command->add_option("--tpm-roots", trust.tpm_roots,
                      "For TPM documents: the EK manufacturers' roots, PEM (swtpm's test CA: "
                      "swtpm-localca-rootca-cert.pem)");
  command->add_option("--tpm-intermediates", trust.tpm_intermediates,
                      "For TPM documents: CAs that may issue EK certificates under those roots, "
                      "PEM (swtpm's test CA: issuercert.pem)");
  command->add_flag("--trust-mock", trust.trust_mock,
                    "Accept the mock NSM's test root, and pin it when --root is not given "
                    "(tests and QEMU only: a mock document proves nothing)");
}

Result<attestation::VerifyOptions> TrustOptions(const AttestationTrust& trust) {
  attestation::VerifyOptions options;
  options.time_seconds = trust.time >= 0 ? trust.time : std::time(nullptr);
  if (trust.max_age >= 0) {
    options.max_age_seconds = trust.max_age;
  } else if (trust.record) {
    options.max_age_seconds.reset();
  }
  options.trust_mock_root = trust.trust_mock;
  if (!trust.tpm_roots.empty()) {
    VIGIL_ASSIGN_OR_RETURN(Bytes roots, ReadFile(trust.tpm_roots, 256 * 1024));
    attestation::TpmTrust tpm{.roots_pem = std::string(AsText(roots))};
    if (!trust.tpm_intermediates.empty()) {
      VIGIL_ASSIGN_OR_RETURN(Bytes intermediates, ReadFile(trust.tpm_intermediates, 256 * 1024));
      tpm.intermediates_pem = std::string(AsText(intermediates));
    }
    options.tpm = std::move(tpm);
  } else if (!trust.tpm_intermediates.empty()) {
    return Error::BadInput("--tpm-intermediates needs --tpm-roots");
  }
  if (!trust.root.empty()) {
    VIGIL_ASSIGN_OR_RETURN(Bytes file, ReadFile(trust.root, 64 * 1024));
    VIGIL_ASSIGN_OR_RETURN(options.root_der, attestation::ReadRootCertificate(file));
  } else {
    options.root_der = trust.trust_mock ? attestation::MockRootDer() : attestation::AwsRootDer();
  }
  return options;
}

}  // namespace vigil::cli
