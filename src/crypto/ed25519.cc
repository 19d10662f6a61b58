#include "crypto/ed25519.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <string>

#include "crypto/openssl_util.h"
#include "crypto/random.h"

namespace vigil::crypto {
namespace {

using PkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using MdCtxPtr = OpenSslPtr<EVP_MD_CTX, EVP_MD_CTX_free>;

Status CheckSeed(const SecretBytes& seed) {
  if (seed.size() != kEd25519SeedSize) {
    return Error::BadInput("an Ed25519 private key is a 32-byte seed, got " +
                           std::to_string(seed.size()) + " bytes");
  }
  return OkStatus();
}

// The OpenSSL key of a seed; OpenSSL keeps its own copy of the seed and wipes it when the
// key is freed.
Result<PkeyPtr> PrivateKey(const SecretBytes& seed) {
  VIGIL_RETURN_IF_ERROR(CheckSeed(seed));
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (!key) return OpenSslError("loading an Ed25519 private key");
  return key;
}

}  // namespace

Result<SecretBytes> Ed25519GenerateSeed() { return RandomSecret(kEd25519SeedSize); }

Result<Ed25519PublicKeyBytes> Ed25519PublicKey(const SecretBytes& seed) {
  VIGIL_ASSIGN_OR_RETURN(PkeyPtr key, PrivateKey(seed));
  Ed25519PublicKeyBytes public_key{};
  std::size_t size = public_key.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), public_key.data(), &size) != 1 ||
      size != public_key.size()) {
    return OpenSslError("deriving an Ed25519 public key");
  }
  return public_key;
}

Result<Ed25519Signature> Ed25519Sign(const SecretBytes& seed, ByteView message) {
  VIGIL_ASSIGN_OR_RETURN(PkeyPtr key, PrivateKey(seed));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    return OpenSslError("starting an Ed25519 signature");
  }
  Ed25519Signature signature{};
  std::size_t size = signature.size();
  if (EVP_DigestSign(ctx.get(), signature.data(), &size, message.data(), message.size()) != 1 ||
      size != signature.size()) {
    return OpenSslError("computing an Ed25519 signature");
  }
  return signature;
}

bool Ed25519Verify(ByteView public_key, ByteView message, ByteView signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize) {
    return false;
  }
  PkeyPtr key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key.data(), public_key.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok = key && ctx &&
            EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
            EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                             message.size()) == 1;
  // A rejected key or signature queues OpenSSL errors; they must not be blamed on the next
  // unrelated failure.
  ERR_clear_error();
  return ok;
}

}  // namespace vigil::crypto
