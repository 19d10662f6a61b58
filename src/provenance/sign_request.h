// What a builder sends on vigil.Sign+KEYNAME: one JSON object, then it half-closes.
//   {"digests":["SHA256 hex", ...],"receipt":"the ledger's tlog-proof of the build-log"}
// The signer answers the DSSE envelope (see dsse.h), or refuses with the reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/hash.h"

namespace vigil::provenance {

inline constexpr std::size_t kMaxSignRequestSize = 2 << 20;
inline constexpr std::size_t kMaxRequestedDigests = 1000;

struct SignRequest {
  std::string receipt;                        // C2SP tlog-proof text
  std::vector<crypto::Sha256Digest> digests;  // no duplicates; lowercase hex on the wire
};

std::string FormatSignRequest(const SignRequest& request);

// Strict: exactly those two keys, 1 to kMaxRequestedDigests distinct 64-hex-digit digests,
// a non-empty receipt, at most kMaxSignRequestSize bytes. BadInput saying what is wrong.
Result<SignRequest> ParseSignRequest(std::string_view text);

}  // namespace vigil::provenance
