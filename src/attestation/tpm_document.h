// Vigil's TPM attestation document: what vigil-enclave's tpm provider answers where the NSM
// answers a COSE_Sign1 document. A quote by the TPM's attestation key over the PCRs a boot
// and the boot standard measure, with everything a verifier needs to check it: the key's
// public area, the EK certificate that binds it (through the credential activation, which
// the verifier runs), the firmware's event log, and the values the quote covers. A CBOR map
// with text keys in a fixed order; the quote's qualifying data binds user_data, nonce and
// public_key (TpmQualifyingData). Spec: docs/SPEC-tpm.md, "The TPM attestation document".
#pragma once

#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "attestation/provider.h"
#include "attestation/tpm_event_log.h"
#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace vigil::attestation {

inline constexpr std::string_view kTpmDocumentFormat = "vigil-tpm-attestation-v1";
// The event log (at most 1 MiB) and room for the rest.
inline constexpr std::size_t kMaxTpmDocumentBytes = kMaxEventLogBytes + 64 * 1024;
// The PCRs every document quotes: the firmware's and the EFI stub's (0-9) and the boot
// standard's commitments (12 setup, 14 live, 15 the manifest alone: quorum/manifest_commitment.h).
const std::vector<int>& TpmQuotedPcrs();
// The RSA 2048 EK's certificate (TCG EK profile, template L-1), as swtpm_setup writes it.
inline constexpr std::uint32_t kTpmRsaEkCertificateIndex = 0x01c00002;

struct TpmDocument {
  std::string module_id;
  std::map<int, crypto::Sha256Digest> pcrs;  // exactly TpmQuotedPcrs()
  Bytes quote;                               // TPMS_ATTEST
  Bytes signature;                           // TPMT_SIGNATURE
  Bytes ak_public;                           // the attestation key's TPMT_PUBLIC
  Bytes ek_certificate;                      // DER, from NV
  Bytes event_log;                           // the firmware's crypto-agile log
  std::optional<Bytes> public_key;
  std::optional<Bytes> user_data;
  std::optional<Bytes> nonce;
  bool operator==(const TpmDocument&) const = default;
};

Bytes EncodeTpmDocument(const TpmDocument& document);
// BadInput naming the field for anything but such a map, every bound checked.
Result<TpmDocument> DecodeTpmDocument(ByteView bytes);
// True when `bytes` starts as a TPM document does (a CBOR map whose first key is "format"),
// so that a reader can tell it from a COSE_Sign1 (a CBOR array or tag) before decoding.
bool LooksLikeTpmDocument(ByteView bytes);

// SHA-256 of the domain, then for user_data, nonce and public_key in turn a presence byte,
// a 4-byte big-endian length and the bytes: the quote's qualifying data.
crypto::Sha256Digest TpmQualifyingData(const AttestationRequest& request);

}  // namespace vigil::attestation
