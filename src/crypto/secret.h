// Secret bytes: kept in one heap block that is wiped (OPENSSL_cleanse) when freed, never
// copied implicitly, never printed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/bytes.h"

namespace vigil::crypto {

class SecretBytes {
 public:
  SecretBytes() = default;
  // `size` zero bytes.
  explicit SecretBytes(std::size_t size);
  // A copy of `data` (the caller wipes its own copy if it was secret).
  explicit SecretBytes(ByteView data);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  // An explicit copy, so copies of secrets are visible in the code.
  SecretBytes Clone() const { return SecretBytes(view()); }

  std::uint8_t* data() { return data_.get(); }
  const std::uint8_t* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  ByteView view() const { return {data_.get(), size_}; }

 private:
  void Wipe();
  std::unique_ptr<std::uint8_t[]> data_;
  std::size_t size_ = 0;
};

// Compares in time that depends only on the sizes (for MACs, tags and secrets).
bool ConstantTimeEqual(ByteView a, ByteView b);

// Wipes a buffer that held secret bytes.
void Wipe(std::span<std::uint8_t> bytes);

}  // namespace vigil::crypto
