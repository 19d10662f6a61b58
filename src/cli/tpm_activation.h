// The verifier's half of binding a TPM enclave's attestation key to its TPM
// (docs/SPEC-tpm.md, "Binding the attestation key"): from a TPM document, check the EK
// certificate against the pinned roots, make a credential for the document's attestation key
// to that EK with a fresh random secret, send it (TpmActivateCredentialRequest, variant 29)
// and require the secret back. Only the TPM holding the EK's private key, with that very
// key loaded, can answer.
#pragma once

#include <ctime>

#include "attestation/document_verifier.h"
#include "base/bytes.h"
#include "base/result.h"
#include "cli/enclave_client.h"

namespace vigil::cli {

// For a TPM document: runs the activation with the enclave and records the key's name in
// `options.tpm` (its activated_ak_name). Documents of other kinds pass untouched. Failed
// naming "activation" when the enclave cannot answer; BadInput when the options carry no
// TPM roots or no enclave address is given.
Status ActivateTpmKey(const EnclaveAddress& enclave, ByteView document,
                      attestation::VerifyOptions& options);

// True when an enclave address was given (--usock or --host-ip).
bool HasEnclaveAddress(const EnclaveAddress& enclave);

}  // namespace vigil::cli
