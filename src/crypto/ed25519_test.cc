#include "crypto/ed25519.h"

#include <gtest/gtest.h>

#include <string>

#include "base/hex.h"

namespace vigil::crypto {
namespace {

Bytes Hex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.ok()) << hex;
  return bytes.ok() ? *bytes : Bytes();
}

SecretBytes HexSeed(std::string_view hex) {
  Bytes bytes = Hex(hex);
  SecretBytes seed(bytes);
  Wipe(bytes);
  return seed;
}

struct Vector {
  const char* seed;
  const char* public_key;
  const char* message;
  const char* signature;
};

// RFC 8032 section 7.1, TEST 1 (empty message) and TEST 2 (one byte).
constexpr Vector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

TEST(Ed25519, Rfc8032KnownAnswers) {
  for (const Vector& v : kRfc8032) {
    SecretBytes seed = HexSeed(v.seed);
    Bytes message = Hex(v.message);
    auto public_key = Ed25519PublicKey(seed);
    ASSERT_TRUE(public_key.ok()) << public_key.error().message();
    EXPECT_EQ(HexEncode(*public_key), v.public_key);
    auto signature = Ed25519Sign(seed, message);
    ASSERT_TRUE(signature.ok()) << signature.error().message();
    EXPECT_EQ(HexEncode(*signature), v.signature);
    EXPECT_TRUE(Ed25519Verify(Hex(v.public_key), message, Hex(v.signature)));
  }
}

TEST(Ed25519, RejectsTampering) {
  const Vector& v = kRfc8032[1];
  Bytes public_key = Hex(v.public_key);
  Bytes message = Hex(v.message);
  Bytes signature = Hex(v.signature);
  ASSERT_TRUE(Ed25519Verify(public_key, message, signature));

  Bytes other_message = message;
  other_message[0] ^= 0x01;
  EXPECT_FALSE(Ed25519Verify(public_key, other_message, signature));
  EXPECT_FALSE(Ed25519Verify(public_key, {}, signature));
  for (std::size_t i : {0u, 31u, 32u, 63u}) {
    Bytes bad = signature;
    bad[i] ^= 0x40;
    EXPECT_FALSE(Ed25519Verify(public_key, message, bad)) << i;
  }
  Bytes other_key = public_key;
  other_key[5] ^= 0x01;
  EXPECT_FALSE(Ed25519Verify(other_key, message, signature));
  // The key of TEST 1 does not verify TEST 2's signature.
  EXPECT_FALSE(Ed25519Verify(Hex(kRfc8032[0].public_key), message, signature));
}

TEST(Ed25519, MalformedInputsAreFalseNotErrors) {
  const Vector& v = kRfc8032[1];
  Bytes public_key = Hex(v.public_key);
  Bytes message = Hex(v.message);
  Bytes signature = Hex(v.signature);
  EXPECT_FALSE(Ed25519Verify({}, message, signature));
  EXPECT_FALSE(Ed25519Verify(ByteView(public_key).first(31), message, signature));
  EXPECT_FALSE(Ed25519Verify(public_key, message, {}));
  EXPECT_FALSE(Ed25519Verify(public_key, message, ByteView(signature).first(63)));
  Bytes longer = signature;
  longer.push_back(0);
  EXPECT_FALSE(Ed25519Verify(public_key, message, longer));
  // S >= L (all ones) is rejected without being checked as a signature.
  Bytes big_s = signature;
  std::fill(big_s.begin() + 32, big_s.end(), 0xff);
  EXPECT_FALSE(Ed25519Verify(public_key, message, big_s));
  // Some other 32 bytes as the key.
  Bytes not_a_point(32, 0);
  not_a_point[0] = 2;
  EXPECT_FALSE(Ed25519Verify(not_a_point, message, signature));
}

TEST(Ed25519, GeneratedKeysSignAndVerify) {
  auto seed = Ed25519GenerateSeed();
  ASSERT_TRUE(seed.ok());
  EXPECT_EQ(seed->size(), kEd25519SeedSize);
  auto other = Ed25519GenerateSeed();
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(ConstantTimeEqual(seed->view(), other->view()));

  auto public_key = Ed25519PublicKey(*seed);
  ASSERT_TRUE(public_key.ok());
  auto signature = Ed25519Sign(*seed, AsBytes("hello"));
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(Ed25519Verify(*public_key, AsBytes("hello"), *signature));
  EXPECT_FALSE(Ed25519Verify(*public_key, AsBytes("hellO"), *signature));
  // Deterministic.
  auto again = Ed25519Sign(*seed, AsBytes("hello"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *signature);
}

TEST(Ed25519, RejectsSeedsOfTheWrongSize) {
  for (std::size_t size : {0u, 31u, 33u, 64u}) {
    SecretBytes seed(size);
    auto public_key = Ed25519PublicKey(seed);
    ASSERT_FALSE(public_key.ok());
    EXPECT_EQ(public_key.error().code(), ErrorCode::kBadInput);
    auto signature = Ed25519Sign(seed, AsBytes("m"));
    ASSERT_FALSE(signature.ok());
    EXPECT_EQ(signature.error().code(), ErrorCode::kBadInput);
  }
}

}  // namespace
}  // namespace vigil::crypto
