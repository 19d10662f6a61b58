#include "crypto/envelope.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "crypto/hkdf.h"
#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace vigil::crypto::qos {
namespace {

constexpr std::string_view kHmacMessage = "qos_encryption_hmac_message";
constexpr std::string_view kSymmetricAad = "qos_aes_gcm_256_hmac_sha512";
constexpr std::size_t kAesKeySize = 32;
// The point length byte qos appends after each point in the AAD.
constexpr std::uint8_t kPointLengthByte = static_cast<std::uint8_t>(kPointSize);

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Fetched once: an implicit fetch per call walks the provider tables. Never freed.
const EVP_CIPHER* Aes256Gcm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

void PutU32Le(std::uint32_t value, std::uint8_t* out) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

std::uint32_t GetU32Le(const std::uint8_t* in) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(in[i]) << (8 * i);
  return value;
}

// AES-256-GCM: writes ciphertext || tag (plaintext.size() + 16 bytes) to `out`.
Status Seal(const SecretBytes& key, ByteView nonce, ByteView aad, ByteView plaintext,
            std::uint8_t* out) {
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (Aes256Gcm() == nullptr || !ctx ||
      EVP_EncryptInit_ex(ctx.get(), Aes256Gcm(), nullptr, key.data(), nonce.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      (!plaintext.empty() && EVP_EncryptUpdate(ctx.get(), out, &len, plaintext.data(),
                                               static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(ctx.get(), out + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagSize),
                          out + plaintext.size()) != 1) {
    return OpenSslError("AES-256-GCM encryption");
  }
  return OkStatus();
}

// AES-256-GCM: opens ciphertext || tag, or fails without output if the tag does not verify.
Result<SecretBytes> Open(const SecretBytes& key, ByteView nonce, ByteView aad, ByteView sealed) {
  ByteView ciphertext = sealed.first(sealed.size() - kTagSize);
  ByteView tag = sealed.last(kTagSize);
  SecretBytes plaintext(ciphertext.size());
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (Aes256Gcm() == nullptr || !ctx ||
      EVP_DecryptInit_ex(ctx.get(), Aes256Gcm(), nullptr, key.data(), nonce.data()) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      (!ciphertext.empty() &&
       EVP_DecryptUpdate(ctx.get(), plaintext.data(), &len, ciphertext.data(),
                         static_cast<int>(ciphertext.size())) != 1) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagSize),
                          const_cast<std::uint8_t*>(tag.data())) != 1) {
    return OpenSslError("AES-256-GCM decryption");
  }
  std::uint8_t final_block[16];
  if (EVP_DecryptFinal_ex(ctx.get(), final_block, &len) != 1) {
    ERR_clear_error();
    // `plaintext` holds unauthenticated bytes; it is wiped when it goes out of scope.
    return Error::Failed(
        "cannot decrypt: the envelope was not made for this key or was modified (the AES-GCM "
        "tag does not verify)");
  }
  return plaintext;
}

// The envelope's AES key: HMAC-SHA512(eph_point || recv_point || shared_x, message)[0..32].
Result<SecretBytes> EnvelopeKey(ByteView eph_point, ByteView recv_point,
                                const SecretBytes& shared) {
  SecretBytes preimage(eph_point.size() + recv_point.size() + shared.size());
  std::uint8_t* p = preimage.data();
  std::memcpy(p, eph_point.data(), eph_point.size());
  std::memcpy(p + eph_point.size(), recv_point.data(), recv_point.size());
  std::memcpy(p + eph_point.size() + recv_point.size(), shared.data(), shared.size());
  VIGIL_ASSIGN_OR_RETURN(SecretBytes mac, HmacSha512(preimage.view(), AsBytes(kHmacMessage)));
  return SecretBytes(mac.view().first(kAesKeySize));
}

Bytes EnvelopeAad(ByteView eph_point, ByteView recv_point) {
  Bytes aad;
  aad.reserve(2 * kPointSize + 2);
  aad.insert(aad.end(), eph_point.begin(), eph_point.end());
  aad.push_back(kPointLengthByte);
  aad.insert(aad.end(), recv_point.begin(), recv_point.end());
  aad.push_back(kPointLengthByte);
  return aad;
}

Status CheckPlaintextSize(ByteView plaintext) {
  if (plaintext.size() > kMaxPlaintextSize) {
    return Error::BadInput("cannot encrypt " + std::to_string(plaintext.size()) +
                           " bytes: the limit is " + std::to_string(kMaxPlaintextSize));
  }
  return OkStatus();
}

// Splits `length-prefixed` = u32 LE length || ciphertext || tag, checking that the length
// matches the rest exactly and is within bounds.
Result<ByteView> SealedPart(ByteView length_prefixed) {
  if (length_prefixed.size() < kLengthSize) {
    return Error::BadInput("cannot decrypt: the envelope is truncated before its length field");
  }
  std::uint64_t declared = GetU32Le(length_prefixed.data());
  ByteView sealed = length_prefixed.subspan(kLengthSize);
  if (declared != sealed.size()) {
    return Error::BadInput("cannot decrypt: the length field says " + std::to_string(declared) +
                           " bytes of ciphertext and tag, but " + std::to_string(sealed.size()) +
                           " follow");
  }
  if (sealed.size() < kTagSize) {
    return Error::BadInput("cannot decrypt: " + std::to_string(sealed.size()) +
                           " bytes of ciphertext cannot hold the 16-byte tag");
  }
  if (sealed.size() - kTagSize > kMaxPlaintextSize) {
    return Error::BadInput("cannot decrypt: the plaintext would exceed the limit of " +
                           std::to_string(kMaxPlaintextSize) + " bytes");
  }
  return sealed;
}

}  // namespace

Result<Bytes> Encrypt(const P256Public& to, ByteView plaintext) {
  VIGIL_RETURN_IF_ERROR(CheckPlaintextSize(plaintext));
  VIGIL_ASSIGN_OR_RETURN(EphemeralAgreement agreement, to.AgreeEphemeral());
  ByteView recv_point = to.encryption_point();
  VIGIL_ASSIGN_OR_RETURN(SecretBytes key,
                         EnvelopeKey(agreement.public_point, recv_point, agreement.shared));
  Bytes out(kEnvelopeOverhead + plaintext.size());
  std::uint8_t* nonce = out.data();
  VIGIL_RETURN_IF_ERROR(RandomBytes({nonce, kNonceSize}));
  std::memcpy(out.data() + kNonceSize, agreement.public_point.data(), kPointSize);
  PutU32Le(static_cast<std::uint32_t>(plaintext.size() + kTagSize),
           out.data() + kNonceSize + kPointSize);
  VIGIL_RETURN_IF_ERROR(Seal(key, {nonce, kNonceSize},
                             EnvelopeAad(agreement.public_point, recv_point), plaintext,
                             out.data() + kNonceSize + kPointSize + kLengthSize));
  return out;
}

Result<SecretBytes> Decrypt(const P256Pair& by, ByteView envelope) {
  if (envelope.size() < kEnvelopeOverhead) {
    return Error::BadInput("cannot decrypt: an envelope is at least " +
                           std::to_string(kEnvelopeOverhead) + " bytes, got " +
                           std::to_string(envelope.size()));
  }
  ByteView nonce = envelope.first(kNonceSize);
  ByteView eph_point = envelope.subspan(kNonceSize, kPointSize);
  VIGIL_ASSIGN_OR_RETURN(ByteView sealed, SealedPart(envelope.subspan(kNonceSize + kPointSize)));
  Result<SecretBytes> shared = by.Agree(eph_point);
  if (!shared.ok()) return shared.error().WithContext("cannot decrypt: bad ephemeral key");
  ByteView recv_point = by.public_part().encryption_point();
  VIGIL_ASSIGN_OR_RETURN(SecretBytes key, EnvelopeKey(eph_point, recv_point, *shared));
  return Open(key, nonce, EnvelopeAad(eph_point, recv_point), sealed);
}

Result<Bytes> EncryptSymmetric(const P256Pair& key, ByteView plaintext) {
  VIGIL_RETURN_IF_ERROR(CheckPlaintextSize(plaintext));
  Bytes out(kSymmetricEnvelopeOverhead + plaintext.size());
  std::uint8_t* nonce = out.data();
  VIGIL_RETURN_IF_ERROR(RandomBytes({nonce, kNonceSize}));
  PutU32Le(static_cast<std::uint32_t>(plaintext.size() + kTagSize), out.data() + kNonceSize);
  VIGIL_RETURN_IF_ERROR(Seal(key.aes_key(), {nonce, kNonceSize}, AsBytes(kSymmetricAad), plaintext,
                             out.data() + kNonceSize + kLengthSize));
  return out;
}

Result<SecretBytes> DecryptSymmetric(const P256Pair& key, ByteView envelope) {
  if (envelope.size() < kSymmetricEnvelopeOverhead) {
    return Error::BadInput("cannot decrypt: a symmetric envelope is at least " +
                           std::to_string(kSymmetricEnvelopeOverhead) + " bytes, got " +
                           std::to_string(envelope.size()));
  }
  VIGIL_ASSIGN_OR_RETURN(ByteView sealed, SealedPart(envelope.subspan(kNonceSize)));
  return Open(key.aes_key(), envelope.first(kNonceSize), AsBytes(kSymmetricAad), sealed);
}

}  // namespace vigil::crypto::qos
