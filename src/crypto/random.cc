#include "crypto/random.h"

#include <openssl/rand.h>

#include <limits>

namespace vigil::crypto {

Status RandomBytes(std::span<std::uint8_t> out) {
  while (!out.empty()) {
    std::size_t chunk = std::min<std::size_t>(out.size(), std::numeric_limits<int>::max());
    if (RAND_bytes(out.data(), static_cast<int>(chunk)) != 1) {
      return Error::MissingEnv("the random number generator could not be seeded");
    }
    out = out.subspan(chunk);
  }
  return OkStatus();
}

Result<SecretBytes> RandomSecret(std::size_t size) {
  SecretBytes secret(size);
  VIGIL_RETURN_IF_ERROR(RandomBytes({secret.data(), secret.size()}));
  return secret;
}

}  // namespace vigil::crypto
