// Writes attestation documents as the Nitro Secure Module does: the payload as a CBOR map in
// AWS's field order (absent optional fields as null), wrapped in an untagged COSE_Sign1
// whose protected header is {1: -35} (alg ES384) and whose unprotected header is empty.
#pragma once

#include "attestation/document.h"
#include "base/bytes.h"
#include "base/result.h"
#include "crypto/es384.h"

namespace vigil::attestation {

Bytes EncodePayload(const AttestationDocument& document);

// The protected header every document carries: the map {1: -35}.
Bytes Es384ProtectedHeader();

// COSE's Sig_structure ["Signature1", protected, h'', payload]: the bytes ES384 signs.
Bytes SigStructure(ByteView protected_header, ByteView payload);

// An already encoded payload, signed with `signer` and wrapped in the COSE_Sign1.
Result<Bytes> SignPayload(ByteView payload, const crypto::Es384Signer& signer);

// The signed document: payload encoded, signed with `signer`, wrapped.
Result<Bytes> SignDocument(const AttestationDocument& document, const crypto::Es384Signer& signer);

}  // namespace vigil::attestation
