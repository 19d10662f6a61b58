#include "crypto/public_key.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "crypto/ed25519.h"

namespace vigil::crypto {
namespace {

TEST(PublicKey, ReadsAPemFileAndNamesABadOne) {
  auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-public-key-");
  ASSERT_TRUE(dir.ok());
  auto seed = Ed25519GenerateSeed();
  ASSERT_TRUE(seed.ok());
  auto raw = Ed25519PublicKey(*seed);
  ASSERT_TRUE(raw.ok());
  auto der = PublicKeyDerFromRaw(KeyAlgorithm::kEd25519, *raw);
  ASSERT_TRUE(der.ok());
  auto key = PublicKey::FromDer(*der);
  ASSERT_TRUE(key.ok()) << key.error().message();
  const auto path = dir->path() / "signer.pub";
  ASSERT_TRUE(WriteFileAtomic(path, AsBytes(key->Pem())).ok());
  auto read = PublicKey::FromPemFile(path);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->KeyId(), key->KeyId());

  const auto bad = dir->path() / "bad.pub";
  ASSERT_TRUE(WriteFileAtomic(bad, AsBytes(std::string_view("not a key"))).ok());
  auto refused = PublicKey::FromPemFile(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(refused.error().message().rfind(bad.string() + ": ", 0), 0u);
  EXPECT_FALSE(PublicKey::FromPemFile(dir->path() / "absent.pub").ok());
}

}  // namespace
}  // namespace vigil::crypto
