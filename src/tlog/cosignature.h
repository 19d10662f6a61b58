// Witnesses' cosignatures (C2SP tlog-cosignature, Ed25519): "as of time T, this is the
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
#include "tlog/note.h"

namespace vigil::tlog {

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

// A witness's verifier key "NAME+KEYID+base64(0x04 || public key)", as a log or a verifier
// pins it.
class CosignatureVerifier {
 public:
  // Strict: a valid name, 8 lowercase hex digits equal to the key's ID, canonical base64 of
  // 0x04 and 32 key bytes (BadInput otherwise).
  static Result<CosignatureVerifier> Parse(std::string_view vkey);
  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  // The time of this witness's cosignature on the note's text, when one of its signature
  // lines is; Failed naming the witness when none verifies.
  Result<std::uint64_t> Verify(const SignedNote& note) const;

 private:
  CosignatureVerifier(std::string name, const crypto::Ed25519PublicKeyBytes& key)
      : name_(std::move(name)), public_key_(key), key_id_(CosignatureKeyId(name_, key)) {}
  std::string name_;
  crypto::Ed25519PublicKeyBytes public_key_;
  std::uint32_t key_id_;
};

}  // namespace vigil::tlog
