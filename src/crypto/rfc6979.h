// RFC 6979 deterministic nonces for P-256 with SHA-256 (HMAC-DRBG, qlen = hlen = 256), as
// QuorumOS signs: OpenSSL 3.0 has no deterministic ECDSA. Internal to crypto/.
#pragma once

#include <initializer_list>

#include "base/bytes.h"
#include "crypto/p256_scalar.h"

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX, kept out of this header

namespace vigil::crypto::qos {

class NonceGenerator {
 public:
  // `mac` is an HMAC-SHA-256 context (reused, not owned); `x` is the private scalar, `h`
  // the message digest reduced mod n (bits2octets).
  NonceGenerator(evp_mac_ctx_st* mac, ByteView x, ByteView h);
  NonceGenerator(const NonceGenerator&) = delete;
  NonceGenerator& operator=(const NonceGenerator&) = delete;
  ~NonceGenerator();

  // The next candidate k in [1, n-1]. Each call after the first first steps the DRBG
  // past the previous candidate, as RFC 6979 3.2 h.3 does when a k is unusable.
  bool Next(Scalar& k);

 private:
  // out = HMAC_K(concatenation of parts). `out` may alias a part: the MAC is finished first.
  bool Mac(Scalar& out, std::initializer_list<ByteView> parts);

  evp_mac_ctx_st* mac_;
  Scalar k_{};
  Scalar v_{};
  bool ok_ = false;
  bool started_ = false;
};

}  // namespace vigil::crypto::qos
