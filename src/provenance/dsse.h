// DSSE envelopes (https://github.com/secure-systems-lab/dsse, protocol v1): the signature
// covers PAE(payloadType, payload), never the JSON around it.
//   {"payload":BASE64,"payloadType":TYPE,"signatures":[{"keyid":ID,"sig":BASE64}]}
// Base64 is the standard alphabet with padding; Vigil writes and accepts only that.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/public_key.h"

namespace vigil::provenance {

inline constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";
inline constexpr std::size_t kMaxEnvelopeSize = 1 << 20;
inline constexpr std::size_t kMaxEnvelopeSignatures = 16;
// The envelope, its signatures array and each signature: nothing nests deeper.
inline constexpr std::size_t kMaxEnvelopeDepth = 3;

struct DsseSignature {
  std::string keyid;
  Bytes sig;
};

struct DsseEnvelope {
  std::string payload_type;
  Bytes payload;
  std::vector<DsseSignature> signatures;
};

// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal.
Bytes PreAuthEncoding(std::string_view payload_type, ByteView payload);

// The envelope as one line of JSON with sorted keys.
std::string SerializeEnvelope(const DsseEnvelope& envelope);

// Strict: strict JSON (encoding/strict_json.h: no duplicate key, no NUL, nothing after the
// object; any layout), an object with exactly payload, payloadType and signatures (1 to
// kMaxEnvelopeSignatures objects with exactly keyid and sig), canonical base64, at most
// kMaxEnvelopeSize bytes. BadInput otherwise, saying what is wrong.
Result<DsseEnvelope> ParseEnvelope(std::string_view text);

// Succeeds if a signature whose keyid is `key`'s id verifies under it; Failed otherwise.
Status VerifyEnvelope(const DsseEnvelope& envelope, const crypto::PublicKey& key);

}  // namespace vigil::provenance
