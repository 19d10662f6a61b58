#include "crypto/rfc6979.h"

#include <openssl/evp.h>

#include <cstring>

#include "crypto/secret.h"

namespace vigil::crypto::qos {

NonceGenerator::NonceGenerator(EVP_MAC_CTX* mac, ByteView x, ByteView h) : mac_(mac) {
  v_.fill(0x01);
  k_.fill(0x00);
  const std::uint8_t zero = 0x00;
  const std::uint8_t one = 0x01;
  ok_ = Mac(k_, {v_, ByteView(&zero, 1), x, h}) && Mac(v_, {v_}) &&
        Mac(k_, {v_, ByteView(&one, 1), x, h}) && Mac(v_, {v_});
}

NonceGenerator::~NonceGenerator() {
  Wipe(k_);
  Wipe(v_);
}

bool NonceGenerator::Next(Scalar& k) {
  const std::uint8_t zero = 0x00;
  for (int attempt = 0; ok_ && attempt < 64; ++attempt) {
    if (started_) ok_ = Mac(k_, {v_, ByteView(&zero, 1)}) && Mac(v_, {v_});
    started_ = true;
    ok_ = ok_ && Mac(v_, {v_});
    if (ok_ && IsValidScalar(v_)) {
      k = v_;
      return true;
    }
  }
  return false;
}

bool NonceGenerator::Mac(Scalar& out, std::initializer_list<ByteView> parts) {
  if (EVP_MAC_init(mac_, k_.data(), k_.size(), nullptr) != 1) return false;
  for (ByteView part : parts) {
    if (EVP_MAC_update(mac_, part.data(), part.size()) != 1) return false;
  }
  std::uint8_t digest[kScalarSize];
  std::size_t written = 0;
  bool ok = EVP_MAC_final(mac_, digest, &written, sizeof(digest)) == 1 && written == 32;
  if (ok) std::memcpy(out.data(), digest, sizeof(digest));
  Wipe(digest);
  return ok;
}

}  // namespace vigil::crypto::qos
