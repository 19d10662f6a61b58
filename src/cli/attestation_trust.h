// How `vigil quorum` commands that check attestation documents choose what to trust:
// --root FILE (PEM or DER), else AWS's Nitro root; --trust-mock accepts the mock NSM's root
// and, without --root, pins it. The verifier's clock is now unless --time says otherwise;
// the document may be at most --max-age seconds old against it (default 600; for a kept
// record of a past event, no bound unless given). The chain is checked at the document's
// own time. A TPM document (docs/SPEC-tpm.md) is checked against --tpm-roots (the EK
// manufacturers' roots) and --tpm-intermediates.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "attestation/document_verifier.h"

namespace vigil::cli {

struct AttestationTrust {
  std::string root;
  bool trust_mock = false;
  std::int64_t time = -1;                    // -1: now
  std::int64_t max_age = -1;                 // -1: the command's default
  bool record = false;                       // a kept record: no age bound by default
  std::string tpm_roots, tpm_intermediates;  // PEM files, for TPM documents
};

// `record`: the documents this command checks are kept records (a genesis attestation read
// by its members later), so their age is not bounded unless --max-age is given.
void AddTrustOptions(CLI::App* command, AttestationTrust& trust, bool record = false);
Result<attestation::VerifyOptions> TrustOptions(const AttestationTrust& trust);

}  // namespace vigil::cli
