#include "cli/attestation_trust.h"

#include <ctime>

#include "attestation/mock_pki.h"
#include "base/file.h"

namespace vigil::cli {

void AddTrustOptions(CLI::App* command, AttestationTrust& trust) {
  command->add_option("--root", trust.root,
                      "The attestation root, PEM or DER (default: AWS's Nitro root)");
  command->add_flag("--trust-mock", trust.trust_mock,
                    "Accept the mock NSM's test root, and pin it when --root is not given "
                    "(tests and QEMU only: a mock document proves nothing)");
}

Result<attestation::VerifyOptions> TrustOptions(const AttestationTrust& trust) {
  attestation::VerifyOptions options;
  options.time_seconds = std::time(nullptr);
  options.trust_mock_root = trust.trust_mock;
  if (!trust.root.empty()) {
    VIGIL_ASSIGN_OR_RETURN(Bytes file, ReadFile(trust.root, 64 * 1024));
    VIGIL_ASSIGN_OR_RETURN(options.root_der, attestation::ReadRootCertificate(file));
  } else {
    options.root_der = trust.trust_mock ? attestation::MockRootDer() : attestation::AwsRootDer();
  }
  return options;
}

}  // namespace vigil::cli
