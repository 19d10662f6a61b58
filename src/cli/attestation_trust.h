// How `vigil quorum` commands that check attestation documents choose what to trust:
// --root FILE (PEM or DER), else AWS's Nitro root; --trust-mock accepts the mock NSM's root
// and, without --root, pins it. The time is now.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "attestation/document_verifier.h"

namespace vigil::cli {

struct AttestationTrust {
  std::string root;
  bool trust_mock = false;
};

void AddTrustOptions(CLI::App* command, AttestationTrust& trust);
Result<attestation::VerifyOptions> TrustOptions(const AttestationTrust& trust);

}  // namespace vigil::cli
