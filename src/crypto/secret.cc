#include "crypto/secret.h"

#include <openssl/crypto.h>

#include <cstring>

namespace vigil::crypto {

SecretBytes::SecretBytes(std::size_t size)
    : data_(size > 0 ? new std::uint8_t[size]() : nullptr), size_(size) {}

SecretBytes::SecretBytes(ByteView data) : SecretBytes(data.size()) {
  if (!data.empty()) std::memcpy(data_.get(), data.data(), data.size());
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::move(other.data_)), size_(other.size_) {
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Wipe();
    data_ = std::move(other.data_);
    size_ = other.size_;
    other.size_ = 0;
  }
  return *this;
}

SecretBytes::~SecretBytes() { Wipe(); }

void SecretBytes::Wipe() {
  if (data_) OPENSSL_cleanse(data_.get(), size_);
  data_.reset();
  size_ = 0;
}

bool ConstantTimeEqual(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void Wipe(std::span<std::uint8_t> bytes) {
  if (!bytes.empty()) OPENSSL_cleanse(bytes.data(), bytes.size());
}

}  // namespace vigil::crypto
