#include "crypto/p256.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/random.h"

namespace vigil::crypto::qos {
namespace {

// Tests run with the project root as working directory.
// A copy of ../shared/vectors/qos, so the tests do not depend on a sibling checkout.
const std::string kVectors = "tests/data/qos/";

const char kGoldenSignature[] =
    "36c7f22c3831a32b8c8a9e823641e7df591c6e92848e7baa54f66d65963d15ea"
    "f02abbf5f01f99a8dddfe7a35453a4df486a708ffa3ef2d8159d4d0763f5ee89";
const char kOrderHex[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
const char kFieldHex[] = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";

Bytes FromHex(std::string_view hex) {
  auto bytes = HexDecode(hex);
  EXPECT_TRUE(bytes.ok()) << hex;
  return bytes.ok() ? *bytes : Bytes{};
}

// A hex vector file, with or without a trailing newline.
Bytes ReadHexVector(const std::string& name) {
  auto file = ReadFile(kVectors + name, 1 << 16);
  EXPECT_TRUE(file.ok()) << name << ": " << (file.ok() ? "" : file.error().message());
  if (!file.ok()) return {};
  std::string text(AsText(*file));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return FromHex(text);
}

P256Pair PairFromVector(const std::string& name) {
  Bytes seed = ReadHexVector(name);
  auto pair = P256Pair::FromSeed(SecretBytes(seed));
  EXPECT_TRUE(pair.ok()) << name << ": " << (pair.ok() ? "" : pair.error().message());
  if (!pair.ok()) std::abort();
  return std::move(pair).value();
}

P256Public PublicFromVector(const std::string& name) {
  auto pub = P256Public::FromBytes(ReadHexVector(name));
  EXPECT_TRUE(pub.ok()) << name << ": " << (pub.ok() ? "" : pub.error().message());
  if (!pub.ok()) std::abort();
  return std::move(pub).value();
}

// Big-endian a - b for 32-byte values (a >= b).
Bytes Subtract(ByteView a, ByteView b) {
  Bytes out(32);
  int borrow = 0;
  for (std::size_t i = 32; i-- > 0;) {
    int diff = a[i] - b[i] - borrow;
    borrow = diff < 0 ? 1 : 0;
    out[i] = static_cast<std::uint8_t>(diff + 256 * borrow);
  }
  return out;
}

Bytes Concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

ErrorCode CodeOf(const Status& status) {
  return status.ok() ? static_cast<ErrorCode>(0) : status.error().code();
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(P256, PrimarySeedDerivesPrimaryPublicKey) {
  P256Pair pair = PairFromVector("primary/primary.secret");
  EXPECT_EQ(pair.public_key(), ReadHexVector("primary/primary.pub"));
  EXPECT_EQ(pair.public_key().size(), kPublicKeySize);
  EXPECT_EQ(HexEncode(pair.seed().view()), HexEncode(ReadHexVector("primary/primary.secret")));
}

TEST(P256, BootE2eSeedsDeriveTheirPublicKeys) {
  for (int n = 1; n <= 3; ++n) {
    std::string user = "boot-e2e/user" + std::to_string(n);
    EXPECT_EQ(HexEncode(PairFromVector(user + ".secret").public_key()),
              HexEncode(ReadHexVector(user + ".pub")))
        << user;
  }
  // The quorum key's master seed, as reconstructed from the shares.
  auto quorum = P256Pair::FromSeed(
      SecretBytes(FromHex("79922ba19779d7a54380ac1c7d3e1f28a0290207d187b7ed49762e431e4e85fc")));
  ASSERT_TRUE(quorum.ok());
  EXPECT_EQ(quorum->public_key(), ReadHexVector("boot-e2e/quorum_key.pub"));
}

TEST(P256, GoldenSignatureByteForByte) {
  P256Pair pair = PairFromVector("primary/primary.secret");
  auto signature = pair.Sign(AsBytes("test data"));
  ASSERT_TRUE(signature.ok()) << signature.error().message();
  EXPECT_EQ(HexEncode(*signature), kGoldenSignature);
  // Deterministic: the same bytes every time.
  auto again = pair.Sign(AsBytes("test data"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *signature);
  // Its s is above n/2: qos does not normalise to low S, and neither may we.
  EXPECT_GT(HexEncode(ByteView(*signature).subspan(32)), "7fffffff800000007fffffffffffffff");
}

// RFC 6979 A.2.5 (P-256, SHA-256): the nonce derivation and signature for its own key.
TEST(P256, Rfc6979KnownAnswers) {
  SecretBytes x(FromHex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"));
  auto sample = SignWithScalar(x, AsBytes("sample"));
  ASSERT_TRUE(sample.ok()) << sample.error().message();
  EXPECT_EQ(HexEncode(*sample),
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
            "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
  auto test = SignWithScalar(x, AsBytes("test"));
  ASSERT_TRUE(test.ok());
  EXPECT_EQ(HexEncode(*test),
            "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"
            "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083");
  // Scalars outside [1, n-1] are refused, not reduced.
  EXPECT_FALSE(SignWithScalar(SecretBytes(Bytes(32, 0)), AsBytes("sample")).ok());
  EXPECT_FALSE(SignWithScalar(SecretBytes(Bytes(32, 0xff)), AsBytes("sample")).ok());
  EXPECT_FALSE(SignWithScalar(SecretBytes(Bytes(31, 1)), AsBytes("sample")).ok());
}

TEST(P256, VerifyAcceptsGoldenSignature) {
  P256Public pub = PublicFromVector("primary/primary.pub");
  EXPECT_TRUE(pub.Verify(AsBytes("test data"), FromHex(kGoldenSignature)).ok());
}

TEST(P256, VerifyRejectsFlippedBits) {
  P256Public pub = PublicFromVector("primary/primary.pub");
  Bytes golden = FromHex(kGoldenSignature);
  EXPECT_EQ(CodeOf(pub.Verify(AsBytes("test datb"), golden)), ErrorCode::kFailed);
  EXPECT_EQ(CodeOf(pub.Verify(AsBytes("test data "), golden)), ErrorCode::kFailed);
  for (std::size_t bit = 0; bit < 8 * kSignatureSize; bit += 7) {
    Bytes flipped = golden;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    Status status = pub.Verify(AsBytes("test data"), flipped);
    EXPECT_FALSE(status.ok()) << "bit " << bit;
  }
  Bytes last = golden;
  last.back() ^= 1;
  EXPECT_EQ(CodeOf(pub.Verify(AsBytes("test data"), last)), ErrorCode::kFailed);
}

TEST(P256, VerifyRejectsWrongKey) {
  P256Public other = PublicFromVector("boot-e2e/user1.pub");
  Status status = other.Verify(AsBytes("test data"), FromHex(kGoldenSignature));
  EXPECT_EQ(CodeOf(status), ErrorCode::kFailed);
}

TEST(P256, VerifyRejectsWrongLength) {
  P256Public pub = PublicFromVector("primary/primary.pub");
  Bytes golden = FromHex(kGoldenSignature);
  for (std::size_t size : {0, 1, 63, 65, 72}) {
    Bytes signature = golden;
    signature.resize(size, 0x01);
    Status status = pub.Verify(AsBytes("test data"), signature);
    EXPECT_EQ(CodeOf(status), ErrorCode::kBadInput) << size;
  }
}

TEST(P256, VerifyRejectsOutOfRangeRAndS) {
  P256Public pub = PublicFromVector("primary/primary.pub");
  Bytes golden = FromHex(kGoldenSignature);
  ByteView r(golden.data(), 32);
  ByteView s(golden.data() + 32, 32);
  Bytes zero(32, 0);
  Bytes n = FromHex(kOrderHex);
  Bytes n_plus_one = n;
  n_plus_one.back() += 1;
  Bytes all_ones(32, 0xff);
  for (const Bytes& bad : {zero, n, n_plus_one, all_ones}) {
    Status bad_r = pub.Verify(AsBytes("test data"), Concat(bad, s));
    EXPECT_EQ(CodeOf(bad_r), ErrorCode::kBadInput);
    EXPECT_TRUE(!bad_r.ok() && Contains(bad_r.error().message(), "r is not in"));
    Status bad_s = pub.Verify(AsBytes("test data"), Concat(r, bad));
    EXPECT_EQ(CodeOf(bad_s), ErrorCode::kBadInput);
    EXPECT_TRUE(!bad_s.ok() && Contains(bad_s.error().message(), "s is not in"));
  }
  // n - 1 is in range: a well-formed but wrong signature.
  Bytes n_minus_one = n;
  n_minus_one.back() -= 1;
  EXPECT_EQ(CodeOf(pub.Verify(AsBytes("test data"), Concat(r, n_minus_one))), ErrorCode::kFailed);
}

TEST(P256, VerifyAcceptsHighAndLowS) {
  P256Public pub = PublicFromVector("primary/primary.pub");
  Bytes golden = FromHex(kGoldenSignature);
  ByteView r(golden.data(), 32);
  Bytes flipped_s = Subtract(FromHex(kOrderHex), ByteView(golden).subspan(32));
  EXPECT_TRUE(pub.Verify(AsBytes("test data"), Concat(r, flipped_s)).ok());
  // And for fresh signatures of random keys, whichever half their s is in.
  for (int i = 0; i < 8; ++i) {
    auto pair = P256Pair::Generate();
    ASSERT_TRUE(pair.ok());
    Bytes message = {static_cast<std::uint8_t>(i)};
    auto signature = pair->Sign(message);
    ASSERT_TRUE(signature.ok());
    Bytes other_s = Subtract(FromHex(kOrderHex), ByteView(*signature).subspan(32));
    EXPECT_TRUE(pair->public_part().Verify(message, *signature).ok());
    EXPECT_TRUE(
        pair->public_part().Verify(message, Concat(ByteView(*signature).first(32), other_s)).ok());
  }
}

TEST(P256, PublicKeyParsingIsStrict) {
  Bytes good = ReadHexVector("primary/primary.pub");
  ASSERT_TRUE(P256Public::FromBytes(good).ok());
  EXPECT_EQ(P256Public::FromBytes(good)->bytes().size(), kPublicKeySize);

  auto expect_bad = [](const Bytes& key, const std::string& which, const std::string& why) {
    auto pub = P256Public::FromBytes(key);
    ASSERT_FALSE(pub.ok()) << which << " / " << why;
    EXPECT_EQ(pub.error().code(), ErrorCode::kBadInput);
    EXPECT_TRUE(Contains(pub.error().message(), which)) << pub.error().message();
    EXPECT_TRUE(Contains(pub.error().message(), why)) << pub.error().message();
  };
  expect_bad(Bytes(good.begin(), good.end() - 1), "130 bytes", "got 129");
  Bytes longer = good;
  longer.push_back(0);
  expect_bad(longer, "130 bytes", "got 131");
  expect_bad({}, "130 bytes", "got 0");

  for (std::size_t offset : {std::size_t{0}, kPointSize}) {
    std::string which = offset == 0 ? "encryption point" : "signing point";
    Bytes compressed = good;
    compressed[offset] = 0x02;
    expect_bad(compressed, which, "first byte 0x02");
    Bytes infinity = good;
    std::fill(infinity.begin() + offset, infinity.begin() + offset + kPointSize, 0);
    expect_bad(infinity, which, "first byte 0x00");
    Bytes zero_point = infinity;
    zero_point[offset] = 0x04;  // (0, 0) is not on the curve
    expect_bad(zero_point, which, "not on the P-256 curve");
    Bytes off_curve = good;
    off_curve[offset + kPointSize - 1] ^= 0x01;  // last byte of y
    expect_bad(off_curve, which, "not on the P-256 curve");
    Bytes big_x = good;
    Bytes p = FromHex(kFieldHex);
    std::copy(p.begin(), p.end(), big_x.begin() + offset + 1);
    expect_bad(big_x, which, "not below the field prime");
  }
}

TEST(P256, SeedMustBe32Bytes) {
  for (std::size_t size : {0, 31, 33, 64}) {
    auto pair = P256Pair::FromSeed(SecretBytes(size));
    ASSERT_FALSE(pair.ok());
    EXPECT_EQ(pair.error().code(), ErrorCode::kBadInput);
  }
  // Any 32 bytes, even all zeros, are a valid seed for qos.
  EXPECT_TRUE(P256Pair::FromSeed(SecretBytes(32)).ok());
}

TEST(P256, GenerateMakesDistinctReproduciblePairs) {
  auto a = P256Pair::Generate();
  auto b = P256Pair::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->seed().size(), kSeedSize);
  EXPECT_NE(a->public_key(), b->public_key());
  auto again = P256Pair::FromSeed(a->seed());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->public_key(), a->public_key());
  EXPECT_EQ(HexEncode(again->aes_key().view()), HexEncode(a->aes_key().view()));
  EXPECT_EQ(a->aes_key().size(), 32u);
}

TEST(P256, SignVerifyRoundTripOverRandomKeysAndMessages) {
  std::mt19937 rng(20240611);
  for (int i = 0; i < 40; ++i) {
    auto pair = P256Pair::Generate();
    ASSERT_TRUE(pair.ok());
    std::size_t size = i == 0 ? 0 : rng() % 2048;
    Bytes message(size);
    ASSERT_TRUE(RandomBytes(message).ok());
    auto signature = pair->Sign(message);
    ASSERT_TRUE(signature.ok());
    ASSERT_EQ(signature->size(), kSignatureSize);
    // Verified by a public key parsed from bytes, as a remote verifier would.
    auto pub = P256Public::FromBytes(pair->public_key());
    ASSERT_TRUE(pub.ok());
    EXPECT_TRUE(pub->Verify(message, *signature).ok()) << "size " << size;
    auto again = pair->Sign(message);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *signature);
    Bytes other_message = message;
    other_message.push_back(0);
    EXPECT_EQ(CodeOf(pub->Verify(other_message, *signature)), ErrorCode::kFailed);
    auto other = P256Pair::Generate();
    ASSERT_TRUE(other.ok());
    EXPECT_EQ(CodeOf(other->public_part().Verify(message, *signature)), ErrorCode::kFailed);
  }
}

TEST(P256, AgreementMatchesOnBothSides) {
  for (int i = 0; i < 8; ++i) {
    auto pair = P256Pair::Generate();
    ASSERT_TRUE(pair.ok());
    auto sender = pair->public_part().AgreeEphemeral();
    ASSERT_TRUE(sender.ok());
    ASSERT_EQ(sender->public_point.size(), kPointSize);
    ASSERT_EQ(sender->shared.size(), 32u);
    auto receiver = pair->Agree(sender->public_point);
    ASSERT_TRUE(receiver.ok());
    EXPECT_EQ(HexEncode(receiver->view()), HexEncode(sender->shared.view()));
  }
  P256Pair pair = PairFromVector("primary/primary.secret");
  auto bad = pair.Agree(Bytes(kPointSize, 0x04));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(pair.Agree(Bytes(33, 0x02)).error().code(), ErrorCode::kBadInput);
}

TEST(P256, SignAndVerifyFromSeveralThreads) {
  P256Pair pair = PairFromVector("primary/primary.secret");
  Bytes golden = FromHex(kGoldenSignature);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto signature = pair.Sign(AsBytes("test data"));
        if (!signature.ok() || *signature != golden ||
            !pair.public_part().Verify(AsBytes("test data"), golden).ok()) {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int count : failures) EXPECT_EQ(count, 0);
}

}  // namespace
}  // namespace vigil::crypto::qos
