// Verifies a TPM document (tpm_document.h) as a relying party must, each failure named by
// its check:
//   syntax      the document is malformed
//   root        the verifier gave no TPM trust (VerifyOptions::tpm)
//   ek          the EK certificate does not chain to a pinned root at the verifier's time
//   activation  the attestation key is not the one the verifier bound to that EK by its own
//               credential activation (or none was run)
//   quote       the quote's checks (tpm2_quote.h: its key, signature, qualifying data, PCR
//               selection and digest), its qualifying data recomputed from the document's
//               user_data, nonce and public_key: a changed field or a replayed quote fails
//   event log   the firmware's log does not replay to the quoted PCRs 0-9, naming the PCR
//   user_data, public_key, nonce, pcrN   a value differs from the caller's expectation;
//               every PCR that differs is named, each with the events the log holds for it
// Spec: docs/SPEC-tpm.md, "Verifying a TPM document".
#pragma once

#include "attestation/document.h"
#include "attestation/document_verifier.h"
#include "base/bytes.h"
#include "base/result.h"

namespace vigil::attestation {

// The document as an AttestationDocument (digest "SHA256", the quoted PCRs, the EK
// certificate as `certificate`) once every check passed.
Result<AttestationDocument> VerifyTpmDocument(ByteView document, const VerifyOptions& options);

// True when `document` is a TPM document's result (its digest is SHA-256).
bool IsTpmDocument(const AttestationDocument& document);

}  // namespace vigil::attestation
