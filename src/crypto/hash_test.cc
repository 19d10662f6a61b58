#include "crypto/hash.h"

#include <gtest/gtest.h>

#include "base/hex.h"

namespace vigil::crypto {
namespace {

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
