// Verifies a signed attestation document as a relying party must (AWS's "Verifying the root
// of trust", QuorumOS's attestation_doc_from_der and its user-input checks), each failure
// named by its check:
//   syntax      the document or its payload is malformed (document_reader.h)
//   root        the pinned root is the mock PKI's and trust_mock_root is not set, or the
//               document is the mock's and the root is not; or cabundle[0] is not the root
//   time        the document's own timestamp is more than max_age before the verifier's
//               clock, or more than kMaxClockSkewSeconds after it
//   chain       the leaf does not chain through cabundle[1..] to the pinned root at the
//               document's own time (every certificate ECDSA P-384 with SHA-384, CA
//               constraints as X.509 says)
//   signature   the COSE_Sign1 signature does not verify with the leaf's key
//   user_data, public_key, nonce, pcrN   a value differs from the caller's expectation
// Every failure is Failed (exit 1); a malformed root is BadInput.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "attestation/document.h"
#include "base/bytes.h"
#include "base/result.h"

namespace vigil::attestation {

struct Expectations {
  std::optional<Bytes> user_data;
  std::optional<Bytes> public_key;
  std::optional<Bytes> nonce;
  // Required: the document's nonce must be absent (QuorumOS's documents carry none).
  bool no_nonce = false;
  std::map<int, Bytes> pcrs;
};

// A document may be this far ahead of the verifier's clock (clocks drift).
inline constexpr std::int64_t kMaxClockSkewSeconds = 60;
inline constexpr std::int64_t kDefaultMaxAgeSeconds = 600;

// What a TPM document (tpm_document.h) is checked against, in place of the Nitro root.
struct TpmTrust {
  std::string roots_pem;          // the EK manufacturers' roots
  std::string intermediates_pem;  // CAs that may sign EK certificates under them
  // The attestation key's name this verifier bound to the EK by its own credential
  // activation; a document from any other key is refused ("activation").
  std::optional<Bytes> activated_ak_name;
};

struct VerifyOptions {
  Bytes root_der;                 // the pinned root (AwsRootDer() by default)
  std::int64_t time_seconds = 0;  // the verifier's clock (Unix seconds)
  // How old the document may be against that clock. Unset: any age, for a document kept as
  // the record of a past event, whose chain is still checked at the document's own time.
  std::optional<std::int64_t> max_age_seconds = kDefaultMaxAgeSeconds;
  bool trust_mock_root = false;  // accept the mock PKI's root; for tests and QEMU only
  std::optional<TpmTrust> tpm;   // required for TPM documents
  Expectations expect;
};

// AWS's Nitro Enclaves root (CN=aws.nitro-enclaves), DER; SHA-256 641a0321...79bb5b.
Bytes AwsRootDer();

// Reads a root certificate file, PEM or DER (BadInput for anything else).
Result<Bytes> ReadRootCertificate(ByteView file_contents);

// The document's payload once every check passed. A TPM document (tpm_document.h) goes to
// VerifyTpmDocument.
Result<AttestationDocument> VerifyDocument(ByteView document, const VerifyOptions& options);

// The user_data, public_key, nonce and PCR checks against `expect`, each failure named.
Status CheckExpectations(const AttestationDocument& doc, const Expectations& expect);

// True when the document comes from the mock NSM (its module id says so).
bool IsMockDocument(const AttestationDocument& document);

}  // namespace vigil::attestation
