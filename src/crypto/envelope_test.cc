#include "crypto/envelope.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/random.h"

namespace vigil::crypto::qos {
namespace {

// Tests run with the project root as working directory.
// A copy of ../shared/vectors/qos, so the tests do not depend on a sibling checkout.
const std::string kVectors = "tests/data/qos/boot-e2e/";

Bytes ReadVector(const std::string& name) {
  auto file = ReadFile(kVectors + name, 1 << 16);
  EXPECT_TRUE(file.ok()) << name << ": " << (file.ok() ? "" : file.error().message());
  return file.ok() ? *file : Bytes{};
}

// A hex vector file, with or without a trailing newline.
Bytes ReadHexVector(const std::string& name) {
  Bytes file = ReadVector(name);
  std::string text(AsText(file));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto bytes = HexDecode(text);
  EXPECT_TRUE(bytes.ok()) << name;
  return bytes.ok() ? *bytes : Bytes{};
}

P256Pair UserPair(int n) {
  auto pair =
      P256Pair::FromSeed(SecretBytes(ReadHexVector("user" + std::to_string(n) + ".secret")));
  EXPECT_TRUE(pair.ok());
  if (!pair.ok()) std::abort();
  return std::move(pair).value();
}

P256Pair NewPair() {
  auto pair = P256Pair::Generate();
  EXPECT_TRUE(pair.ok());
  if (!pair.ok()) std::abort();
  return std::move(pair).value();
}

ErrorCode CodeOf(const Result<SecretBytes>& result) {
  return result.ok() ? static_cast<ErrorCode>(0) : result.error().code();
}

void SetLength(Bytes& envelope, std::size_t offset, std::uint32_t length) {
  for (std::size_t i = 0; i < 4; ++i)
    envelope[offset + i] = static_cast<std::uint8_t>(length >> (8 * i));
}

constexpr std::size_t kLengthOffset = kNonceSize + kPointSize;

TEST(Envelope, DecryptsTheBootE2eShares) {
  const char* shares[] = {
      "01478202ca80a059745cc7aea502c0331d87885583c2adf386a8587395b84f141a",
      "0205b27977b9d0d01c7d0ea87583d94742ee70ac14f7d33f3b902a94f4494cbc2b",
      "033ba2501cae095ecd6249aaccfc276b77c9d1fb90e4f97b507104c922ef4d2dcd",
  };
  for (int n = 1; n <= 3; ++n) {
    Bytes envelope = ReadVector("user" + std::to_string(n) + ".share");
    ASSERT_EQ(envelope.size(), 130u);
    auto share = Decrypt(UserPair(n), envelope);
    ASSERT_TRUE(share.ok()) << "user" << n << ": " << share.error().message();
    EXPECT_EQ(HexEncode(share->view()), shares[n - 1]) << "user" << n;
  }
}

TEST(Envelope, WrongKeyFails) {
  Bytes envelope = ReadVector("user1.share");
  auto result = Decrypt(UserPair(2), envelope);
  EXPECT_EQ(CodeOf(result), ErrorCode::kFailed);
  EXPECT_NE(result.error().message().find("cannot decrypt"), std::string::npos);
  EXPECT_EQ(CodeOf(Decrypt(NewPair(), envelope)), ErrorCode::kFailed);
}

TEST(Envelope, TamperingFails) {
  P256Pair user1 = UserPair(1);
  const Bytes envelope = ReadVector("user1.share");
  ASSERT_TRUE(Decrypt(user1, envelope).ok());
  // Every byte of the nonce, ciphertext and tag is authenticated.
  for (std::size_t i = 0; i < envelope.size(); ++i) {
    if (i >= kNonceSize && i < kLengthOffset + kLengthSize) continue;
    Bytes tampered = envelope;
    tampered[i] ^= 0x01;
    EXPECT_EQ(CodeOf(Decrypt(user1, tampered)), ErrorCode::kFailed) << "byte " << i;
  }
  // A changed ephemeral point is no longer on the curve: malformed.
  for (std::size_t i : {kNonceSize + 1, kNonceSize + 40, kLengthOffset - 1}) {
    Bytes tampered = envelope;
    tampered[i] ^= 0x01;
    EXPECT_EQ(CodeOf(Decrypt(user1, tampered)), ErrorCode::kBadInput) << "byte " << i;
  }
  Bytes compressed = envelope;
  compressed[kNonceSize] = 0x02;
  auto result = Decrypt(user1, compressed);
  EXPECT_EQ(CodeOf(result), ErrorCode::kBadInput);
  EXPECT_NE(result.error().message().find("ephemeral"), std::string::npos);
}

TEST(Envelope, LengthFieldMustMatchExactly) {
  P256Pair user1 = UserPair(1);
  const Bytes envelope = ReadVector("user1.share");
  const std::uint32_t length = 130 - 81;
  for (std::uint32_t wrong : {length - 1, length + 1, 0u, 15u, 0xffffffffu}) {
    Bytes tampered = envelope;
    SetLength(tampered, kLengthOffset, wrong);
    EXPECT_EQ(CodeOf(Decrypt(user1, tampered)), ErrorCode::kBadInput) << wrong;
  }
  Bytes truncated(envelope.begin(), envelope.end() - 1);
  EXPECT_EQ(CodeOf(Decrypt(user1, truncated)), ErrorCode::kBadInput);
  Bytes extended = envelope;
  extended.push_back(0);
  EXPECT_EQ(CodeOf(Decrypt(user1, extended)), ErrorCode::kBadInput);
  // A consistent length too short to hold the tag.
  Bytes short_tag(envelope.begin(), envelope.begin() + kLengthOffset + kLengthSize + 15);
  SetLength(short_tag, kLengthOffset, 15);
  EXPECT_EQ(CodeOf(Decrypt(user1, short_tag)), ErrorCode::kBadInput);
  for (std::size_t size : {0, 1, 12, 80, 81, 96}) {
    EXPECT_EQ(CodeOf(Decrypt(user1, Bytes(envelope.begin(), envelope.begin() + size))),
              ErrorCode::kBadInput)
        << size;
  }
}

TEST(Envelope, RoundTripsRandomPlaintexts) {
  std::mt19937 rng(7);
  for (int i = 0; i < 40; ++i) {
    P256Pair pair = NewPair();
    std::size_t size = i < 4 ? static_cast<std::size_t>(i) * 8 : rng() % 5000;
    Bytes plaintext(size);
    ASSERT_TRUE(RandomBytes(plaintext).ok());
    // Encrypted to a public key parsed from bytes, as a remote sender would.
    auto to = P256Public::FromBytes(pair.public_key());
    ASSERT_TRUE(to.ok());
    auto envelope = Encrypt(*to, plaintext);
    ASSERT_TRUE(envelope.ok());
    ASSERT_EQ(envelope->size(), kEnvelopeOverhead + size);
    auto decrypted = Decrypt(pair, *envelope);
    ASSERT_TRUE(decrypted.ok()) << decrypted.error().message();
    EXPECT_EQ(HexEncode(decrypted->view()), HexEncode(plaintext));
    EXPECT_EQ(CodeOf(Decrypt(NewPair(), *envelope)), ErrorCode::kFailed);
  }
}

TEST(Envelope, EachEncryptionIsFresh) {
  P256Pair pair = NewPair();
  auto a = Encrypt(pair.public_part(), AsBytes("same"));
  auto b = Encrypt(pair.public_part(), AsBytes("same"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(Bytes(a->begin(), a->begin() + kNonceSize), Bytes(b->begin(), b->begin() + kNonceSize));
  EXPECT_NE(Bytes(a->begin() + kNonceSize, a->begin() + kLengthOffset),
            Bytes(b->begin() + kNonceSize, b->begin() + kLengthOffset));
}

TEST(Envelope, RefusesOversizePlaintext) {
  P256Pair pair = NewPair();
  Bytes big(kMaxPlaintextSize + 1);
  auto encrypted = Encrypt(pair.public_part(), big);
  ASSERT_FALSE(encrypted.ok());
  EXPECT_EQ(encrypted.error().code(), ErrorCode::kBadInput);
  auto symmetric = EncryptSymmetric(pair, big);
  ASSERT_FALSE(symmetric.ok());
  EXPECT_EQ(symmetric.error().code(), ErrorCode::kBadInput);
}

TEST(Envelope, GarbageNeverDecrypts) {
  P256Pair pair = UserPair(1);
  std::mt19937 rng(11);
  for (int i = 0; i < 300; ++i) {
    Bytes garbage(rng() % 300);
    ASSERT_TRUE(RandomBytes(garbage).ok());
    if (garbage.size() >= kLengthOffset + kLengthSize && i % 2 == 0) {
      garbage[kNonceSize] = 0x04;
      SetLength(garbage, kLengthOffset,
                static_cast<std::uint32_t>(garbage.size() - kLengthOffset - kLengthSize));
    }
    EXPECT_FALSE(Decrypt(pair, garbage).ok());
    EXPECT_FALSE(DecryptSymmetric(pair, garbage).ok());
  }
}

TEST(SymmetricEnvelope, RoundTripsRandomPlaintexts) {
  std::mt19937 rng(3);
  for (int i = 0; i < 40; ++i) {
    P256Pair pair = NewPair();
    std::size_t size = i < 4 ? static_cast<std::size_t>(i) * 8 : rng() % 5000;
    Bytes plaintext(size);
    ASSERT_TRUE(RandomBytes(plaintext).ok());
    auto envelope = EncryptSymmetric(pair, plaintext);
    ASSERT_TRUE(envelope.ok());
    ASSERT_EQ(envelope->size(), kSymmetricEnvelopeOverhead + size);
    // The pair rebuilt from its seed has the same AES key.
    auto rebuilt = P256Pair::FromSeed(pair.seed());
    ASSERT_TRUE(rebuilt.ok());
    auto decrypted = DecryptSymmetric(*rebuilt, *envelope);
    ASSERT_TRUE(decrypted.ok()) << decrypted.error().message();
    EXPECT_EQ(HexEncode(decrypted->view()), HexEncode(plaintext));
    EXPECT_EQ(CodeOf(DecryptSymmetric(NewPair(), *envelope)), ErrorCode::kFailed);
  }
}

TEST(SymmetricEnvelope, TamperingAndMalformedInputFail) {
  P256Pair pair = NewPair();
  auto made = EncryptSymmetric(pair, AsBytes("a secret at rest"));
  ASSERT_TRUE(made.ok());
  const Bytes envelope = *made;
  for (std::size_t i = 0; i < envelope.size(); ++i) {
    if (i >= kNonceSize && i < kNonceSize + kLengthSize) continue;
    Bytes tampered = envelope;
    tampered[i] ^= 0x80;
    EXPECT_EQ(CodeOf(DecryptSymmetric(pair, tampered)), ErrorCode::kFailed) << "byte " << i;
  }
  const std::uint32_t length = static_cast<std::uint32_t>(envelope.size() - 16);
  for (std::uint32_t wrong : {length - 1, length + 1, 0u, 0xffffffffu}) {
    Bytes tampered = envelope;
    SetLength(tampered, kNonceSize, wrong);
    EXPECT_EQ(CodeOf(DecryptSymmetric(pair, tampered)), ErrorCode::kBadInput) << wrong;
  }
  Bytes extended = envelope;
  extended.push_back(0);
  EXPECT_EQ(CodeOf(DecryptSymmetric(pair, extended)), ErrorCode::kBadInput);
  EXPECT_EQ(CodeOf(DecryptSymmetric(pair, Bytes(envelope.begin(), envelope.begin() + 31))),
            ErrorCode::kBadInput);
  // An asymmetric envelope is not a symmetric one, and the other way round.
  EXPECT_FALSE(DecryptSymmetric(UserPair(1), ReadVector("user1.share")).ok());
  EXPECT_FALSE(Decrypt(pair, envelope).ok());
}

}  // namespace
}  // namespace vigil::crypto::qos
