// A TPM's endorsement key certificate, checked against pinned manufacturer roots: the chain
// from the certificate (DER, as the TPM keeps it in NV) through the given intermediates to
// one of the roots, with the validity period at `now`. For swtpm, the root and the signing
// CA are the test CA's (swtpm-localca-rootca-cert.pem, issuercert.pem); for GCP's and
// Azure's vTPMs, their published EK roots (docs/SPEC-tpm.md). Spec: docs/SPEC-tpm.md.
#pragma once

#include <ctime>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::attestation {

struct EkTrust {
  std::string_view roots_pem;          // one or more PEM certificates
  std::string_view intermediates_pem;  // may be empty
};

// The EK's SubjectPublicKeyInfo (DER) when the certificate chains to a root; Failed naming
// OpenSSL's reason otherwise, BadInput when it is not a certificate or the PEMs hold none.
Result<Bytes> VerifyEkCertificate(ByteView certificate_der, const EkTrust& trust, std::time_t now);

}  // namespace vigil::attestation
