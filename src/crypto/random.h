// The CSPRNG: OpenSSL's RAND_bytes (seeded from the kernel's getrandom).
#pragma once

#include <cstdint>
#include <span>

#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::crypto {

// Fills `out` with random bytes; fails only if the CSPRNG cannot be seeded.
Status RandomBytes(std::span<std::uint8_t> out);

// `size` random secret bytes.
Result<SecretBytes> RandomSecret(std::size_t size);

}  // namespace vigil::crypto
