// A witness's cosignatures (C2SP tlog-cosignature, Ed25519): "as of time T, this is the
// largest consistent tree I have seen for this origin". The signed message is
// "cosignature/v1\ntime T\n" followed by the whole checkpoint text (extension lines
// included); the note signature line is "— NAME base64(key ID || u64 big-endian T ||
// signature)", the key ID SHA-256(NAME || 0x0A || 0x04 || public key)[:4].
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/ed25519.h"
#include "crypto/secret.h"

namespace vigil::witness {

inline constexpr std::uint8_t kCosignatureType = 0x04;

std::uint32_t CosignatureKeyId(std::string_view name, const crypto::Ed25519PublicKeyBytes& key);

// The message a cosignature at `time` signs for `checkpoint_text`.
std::string CosignedMessage(std::string_view checkpoint_text, std::uint64_t time);

class Cosigner {
 public:
  // BadInput when the name is not a valid note key name or the seed is not 32 bytes.
  static Result<Cosigner> Create(std::string_view name, crypto::SecretBytes seed);
  // The key file's text "PRIVATE+KEY+NAME+KEYID+base64(0x04 || seed)", as PrivateKeyText
  // writes it; strict, and errors never quote it.
  static Result<Cosigner> FromText(std::string_view text);
  crypto::SecretBytes PrivateKeyText() const;

  const std::string& name() const { return name_; }
  // The verifier key text "NAME+KEYID+base64(0x04 || public key)" logs and verifiers pin.
  std::string VerifierKey() const;
  // The signature line (ending in a newline) for `checkpoint_text` at `time` (non-zero).
  Result<std::string> Cosign(std::string_view checkpoint_text, std::uint64_t time) const;

 private:
  Cosigner(std::string name, crypto::SecretBytes seed, crypto::Ed25519PublicKeyBytes key)
      : name_(std::move(name)), seed_(std::move(seed)), public_key_(key) {}
  std::string name_;
  crypto::SecretBytes seed_;
  crypto::Ed25519PublicKeyBytes public_key_;
};

}  // namespace vigil::witness
