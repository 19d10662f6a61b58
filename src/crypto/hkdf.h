// HKDF-SHA512 (RFC 5869), HMAC-SHA512 and HMAC-SHA256 through OpenSSL 3's EVP_KDF and EVP_MAC. Both
// return secret bytes: their outputs are keys.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::crypto {

// HKDF-SHA512 extract-and-expand: `length` bytes (1..255*64) from `ikm`, `salt` and `info`.
// qos derives its keys with salt = a label, ikm = the master seed, empty info, length 32.
Result<SecretBytes> HkdfSha512(ByteView ikm, ByteView salt, ByteView info, std::size_t length);

// HMAC-SHA512 of `message` under `key` (64 bytes).
Result<SecretBytes> HmacSha512(ByteView key, ByteView message);

// HMAC-SHA256 of `message` under `key` (32 bytes): webhook signatures.
Result<SecretBytes> HmacSha256(ByteView key, ByteView message);

}  // namespace vigil::crypto
