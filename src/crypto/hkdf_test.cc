#include "crypto/hkdf.h"

#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "base/hex.h"

namespace vigil::crypto {
namespace {

Bytes Range(std::uint8_t first, std::size_t count) {
  Bytes out(count);
  std::iota(out.begin(), out.end(), first);
  return out;
}

std::string Hkdf(ByteView ikm, ByteView salt, ByteView info, std::size_t length) {
  auto out = HkdfSha512(ikm, salt, info, length);
  if (!out.ok()) return "error: " + out.error().message();
  return HexEncode(out->view());
}

// Expected values from an independent implementation (Python hmac + hashlib, RFC 5869).
TEST(Hkdf, Sha512KnownAnswers) {
  EXPECT_EQ(Hkdf(Range(0x00, 22), Range(0x00, 13), Range(0xf0, 10), 42),
            "8a642d880d39665d7d6957b7c15a53e681476094a9fc9d07e4c45e56f9a9ddf6a13fc9944c6e251bc1b1");
  // Empty salt and info, more than one output block.
  EXPECT_EQ(Hkdf(Bytes(22, 0x0b), {}, {}, 100),
            "f5fa02b18298a72a8c23898a8703472c6eb179dc204c03425c970e3b164bf90fff22d04836d0e234"
            "3bacc4e7cb6045faaa698e0e3b3eb91331306def1db8319e8a699b5ee45ab993847dc4df75bde023"
            "692c8c0710a67a55123f10a8b2d8327f9eb138da");
}

TEST(Hkdf, QosAesKeyDerivation) {
  // The AES-256-GCM key of the qos vector primary/primary.secret.
  auto seed = HexDecode("c0e30ffefdad72ee214173f34af0faa57d58a1b733239e8100e903695bdd9a0c");
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(Hkdf(*seed, AsBytes("qos_aes_gcm_encrypt"), {}, 32),
            "a9016f968d90a9ab7b65b2e31af23c34a0d6be3088f188ec3914fb9196041fc6");
}

TEST(Hkdf, RejectsBadLengths) {
  EXPECT_EQ(HkdfSha512(AsBytes("k"), {}, {}, 0).error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(HkdfSha512(AsBytes("k"), {}, {}, 255 * 64 + 1).error().code(), ErrorCode::kBadInput);
  EXPECT_TRUE(HkdfSha512(AsBytes("k"), {}, {}, 255 * 64).ok());
}

TEST(Hmac, Sha512KnownAnswers) {
  // RFC 4231 test case 2.
  auto mac = HmacSha512(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"));
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(HexEncode(mac->view()),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a"
            "6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  // Empty key and message.
  auto empty = HmacSha512({}, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(HexEncode(empty->view()),
            "b936cee86c9f87aa5d3c6f2e84cb5a4239a5fe50480a6ec66b70ab5b1f4ac6730c6c515421b327ec"
            "1d69402e53dfb49ad7381eb067b338fd7b0cb22247225d47");
}

TEST(Hmac, Sha256KnownAnswers) {
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256(AsBytes("Jefe"), AsBytes("what do ya want for nothing?"))->view()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // GitHub's webhook documentation's example (X-Hub-Signature-256).
  EXPECT_EQ(
      HexEncode(
          HmacSha256(AsBytes("It's a Secret to Everybody"), AsBytes("Hello, World!"))->view()),
      "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

}  // namespace
}  // namespace vigil::crypto
