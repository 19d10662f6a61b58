#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "base/hex.h"

namespace vigil::crypto {
namespace {

TEST(IsSha256Hex, OnlySixtyFourLowercaseHexDigits) {
  const std::string digest = HexEncode(Sha256(AsBytes(std::string_view("abc"))));
  EXPECT_TRUE(IsSha256Hex(digest));
  EXPECT_TRUE(IsSha256Hex(std::string(64, '0')));
  EXPECT_FALSE(IsSha256Hex(""));
  EXPECT_FALSE(IsSha256Hex(digest.substr(1)));        // 63 digits
  EXPECT_FALSE(IsSha256Hex(digest + "0"));            // 65 digits
  EXPECT_FALSE(IsSha256Hex("A" + digest.substr(1)));  // uppercase
  EXPECT_FALSE(IsSha256Hex("g" + digest.substr(1)));  // not hex
  EXPECT_FALSE(IsSha256Hex(" " + digest.substr(1)));  // whitespace
  EXPECT_FALSE(IsSha256Hex(std::string(1, '\0') + digest.substr(1)));
  EXPECT_FALSE(IsSha256Hex("sha256:" + digest.substr(7)));  // a prefix
}

TEST(Hash, Sha256KnownAnswers) {
  EXPECT_EQ(HexEncode(Sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexEncode(Sha256(AsBytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hash, Sha384KnownAnswer) {
  EXPECT_EQ(HexEncode(Sha384(AsBytes("abc"))),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
            "8086072ba1e7cc2358baeca134c825a7");
}

TEST(Hash, IncrementalMatchesOneShotAndCopiesFork) {
  Hasher prefix(HashAlgorithm::kSha384);
  prefix.Update(AsBytes("ab"));
  Hasher fork = prefix;
  prefix.Update(AsBytes("c"));
  fork.Update(AsBytes("d"));
  auto abc = Sha384(AsBytes("abc"));
  auto abd = Sha384(AsBytes("abd"));
  EXPECT_EQ(prefix.Finish(), Bytes(abc.begin(), abc.end()));
  EXPECT_EQ(fork.Finish(), Bytes(abd.begin(), abd.end()));
}

}  // namespace
}  // namespace vigil::crypto
