// A signer key, wherever it lives (a key file, a PKCS#11 token). Signatures follow the
// conventions in crypto/public_key.h, so PublicKey::Verify checks them.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/public_key.h"

namespace vigil::signer {

class SigningKey {
 public:
  virtual ~SigningKey() = default;
  virtual const crypto::PublicKey& public_key() const = 0;
  // Ed25519: the signature of `message`; ECDSA P-256: DER over SHA-256(message).
  // Thread-safe.
  virtual Result<Bytes> Sign(ByteView message) = 0;
};

// The signer's keys by key id.
using SigningKeys = std::map<std::string, std::unique_ptr<SigningKey>>;

}  // namespace vigil::signer
