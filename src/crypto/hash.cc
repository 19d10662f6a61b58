#include "crypto/hash.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/hex.h"

namespace vigil::crypto {
namespace {

// Fetched once: with EVP_sha256() OpenSSL 3 looks the implementation up on every use,
// which costs more than hashing a Merkle node.
const EVP_MD* Md(HashAlgorithm algorithm) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  const EVP_MD* md = algorithm == HashAlgorithm::kSha256 ? sha256 : sha384;
  if (md == nullptr) std::abort();  // the default provider is missing
  return md;
}

// A failure here means OpenSSL itself is broken (allocation or provider missing); there is
// nothing sensible to continue with.
void Check(int ok) {
  if (ok != 1) std::abort();
}

template <std::size_t N>
std::array<std::uint8_t, N> OneShot(HashAlgorithm algorithm, ByteView data) {
  std::array<std::uint8_t, N> out{};
  unsigned int len = 0;
  Check(EVP_Digest(data.data(), data.size(), out.data(), &len, Md(algorithm), nullptr));
  return out;
}

}  // namespace

Sha512Digest Sha512(ByteView data) {
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  if (sha512 == nullptr) std::abort();
  Sha512Digest out{};
  unsigned int len = 0;
  Check(EVP_Digest(data.data(), data.size(), out.data(), &len, sha512, nullptr));
  return out;
}

bool IsSha256Hex(std::string_view text) {
  return text.size() == 2 * std::tuple_size_v<Sha256Digest> &&
         text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

Result<Sha256Digest> ParseSha256Hex(std::string_view text, std::string_view what) {
  if (!IsSha256Hex(text)) {
    return Error::BadInput(std::string(what) + " must be 64 lowercase hex digits");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, HexDecode(text));
  Sha256Digest digest{};
  std::copy(bytes.begin(), bytes.end(), digest.begin());
  return digest;
}

std::string Sha256Hex(const Sha256Digest& digest) { return HexEncode(digest); }

struct Hasher::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

Sha256Digest Sha256(ByteView data) { return OneShot<32>(HashAlgorithm::kSha256, data); }
Sha384Digest Sha384(ByteView data) { return OneShot<48>(HashAlgorithm::kSha384, data); }

Hasher::Hasher(HashAlgorithm algorithm) : ctx_(std::make_unique<Ctx>()) {
  if (ctx_->md == nullptr) std::abort();
  Check(EVP_DigestInit_ex(ctx_->md, Md(algorithm), nullptr));
}

Hasher::Hasher(const Hasher& other) : ctx_(std::make_unique<Ctx>()) {
  if (ctx_->md == nullptr) std::abort();
  Check(EVP_MD_CTX_copy_ex(ctx_->md, other.ctx_->md));
}

Hasher& Hasher::operator=(const Hasher& other) {
  if (this != &other) Check(EVP_MD_CTX_copy_ex(ctx_->md, other.ctx_->md));
  return *this;
}

Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

void Hasher::Update(ByteView data) { Check(EVP_DigestUpdate(ctx_->md, data.data(), data.size())); }

std::size_t Hasher::digest_size() const {
  return static_cast<std::size_t>(EVP_MD_get_size(EVP_MD_CTX_get0_md(ctx_->md)));
}

Bytes Hasher::Finish() {
  Bytes out(digest_size());
  unsigned int len = 0;
  Check(EVP_DigestFinal_ex(ctx_->md, out.data(), &len));
  return out;
}

}  // namespace vigil::crypto
