// Reads a signed attestation document strictly (libcbor underneath): one COSE_Sign1, tagged
// 18 or untagged, holding a protected header, an unprotected map, the payload and a 96-byte
// signature; the payload one map with exactly AWS's keys. Refused, naming what is wrong:
// anything over kMaxDocumentBytes, bytes after the item, indefinite lengths, a map key given
// twice, an unknown or missing key, a value of the wrong type or over its bound, text that is
// not UTF-8, and (in the payload) what QuorumOS's syntactic validation refuses.
#pragma once

#include "attestation/document.h"
#include "base/bytes.h"
#include "base/result.h"

namespace vigil::attestation {

// The COSE_Sign1's parts; the protected header must be exactly {1: -35} (ES384).
Result<CoseSign1> ReadCoseSign1(ByteView document);

// The payload's fields.
Result<AttestationDocument> ReadPayload(ByteView payload);

}  // namespace vigil::attestation
