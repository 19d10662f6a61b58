// Binding an attestation key to a TPM's endorsement key (TPM 2.0 Library Part 1, 24,
// "Credential Protection"): the verifier makes a credential in software for the key named
// `ak_name`, encrypted to the EK's public key from its certificate, and only the TPM that
// holds that EK's private key, with that very key loaded, can recover the secret
// (TPM2_ActivateCredential). What `tpm2_makecredential --tcti=none` does. RSA 2048 EKs
// (the TCG EK profile's template L-1, which swtpm_setup certifies), SHA-256, AES-128-CFB.
// Spec: docs/SPEC-tpm.md.
#pragma once

#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::attestation {

struct Tpm2Credential {
  Bytes id_object;         // TPM2B_ID_OBJECT's contents: integrity HMAC, then encIdentity
  Bytes encrypted_secret;  // TPM2B_ENCRYPTED_SECRET's contents: the seed, RSA-OAEP
};

// `ek_public_der`: the EK's SubjectPublicKeyInfo (from its certificate); `secret` at most 32
// bytes. BadInput for another kind of key or an AK name that is not SHA-256's.
Result<Tpm2Credential> MakeTpm2Credential(ByteView ek_public_der, ByteView ak_name,
                                          ByteView secret);

// KDFa with HMAC-SHA256 (Part 1, 11.4.10.2): `bits` of output from `key`, the label (with
// its terminating zero) and the two contexts.
Result<crypto::SecretBytes> Tpm2Kdfa(ByteView key, std::string_view label, ByteView context_u,
                                     ByteView context_v, std::size_t bits);

}  // namespace vigil::attestation
