// A Nitro attestation document (AWS's NSM API, "Verifying the root of trust"): the CBOR
// payload of a COSE_Sign1 signed with ES384 by the leaf certificate it carries.
// docs/SPEC-attestation.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"

namespace vigil::attestation {

// Bounds from AWS's documentation, as QuorumOS's syntactic validation enforces them.
inline constexpr std::size_t kMaxPcrs = 32;
inline constexpr std::size_t kMaxCertificateBytes = 1024;
inline constexpr std::size_t kMaxPublicKeyBytes = 1024;
inline constexpr std::size_t kMaxUserDataBytes = 512;
inline constexpr std::size_t kMaxNonceBytes = 512;
// A whole signed document: the 2022 AWS document is 5,232 bytes; this leaves room for the
// largest legal one (32 PCRs of 64 bytes, a deep cabundle, every optional field full).
inline constexpr std::size_t kMaxDocumentBytes = 64 * 1024;

// The module_id of every document the mock NSM issues, so that no one can mistake one for a
// document from Nitro hardware.
inline constexpr std::string_view kMockModuleId = "vigil-mock-nsm (NOT A NITRO ENCLAVE)";

struct AttestationDocument {
  std::string module_id;
  std::string digest = "SHA384";
  std::uint64_t timestamp_ms = 0;
  std::map<int, Bytes> pcrs;
  Bytes certificate;            // the signing leaf, DER
  std::vector<Bytes> cabundle;  // root first, then intermediates, DER
  std::optional<Bytes> public_key;
  std::optional<Bytes> user_data;
  std::optional<Bytes> nonce;

  bool operator==(const AttestationDocument&) const = default;
};

// The parts of a COSE_Sign1 (RFC 9052 section 4.2) a verifier needs.
struct CoseSign1 {
  Bytes protected_header;  // the encoded protected-header map, as signed
  Bytes payload;           // the encoded attestation document
  Bytes signature;         // r || s
};

}  // namespace vigil::attestation
