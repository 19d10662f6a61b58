#include "crypto/p256_key_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <optional>

#include "base/file.h"

namespace vigil::crypto {
namespace {

class P256KeyFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-p256-files-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
  }
  std::string Prefix(const std::string& name) const { return (dir_->path() / name).string(); }
  std::optional<TempDir> dir_;
};

TEST_F(P256KeyFilesTest, CreatesAPairThatReadsBack) {
  auto files = CreateP256KeyFiles(Prefix("alice"));
  ASSERT_TRUE(files.ok()) << files.error().message();
  EXPECT_EQ(files->secret, Prefix("alice") + ".secret");
  EXPECT_EQ(files->pub, Prefix("alice") + ".pub");
  EXPECT_EQ(files->public_key.size(), qos::kPublicKeySize);
  struct stat st {};
  ASSERT_EQ(::stat(files->secret.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto pair = ReadP256Pair(files->secret);
  ASSERT_TRUE(pair.ok()) << pair.error().message();
  EXPECT_EQ(pair->public_key(), files->public_key);
  auto pub = ReadP256Public(files->pub);
  ASSERT_TRUE(pub.ok()) << pub.error().message();
  auto signature = pair->Sign(AsBytes(std::string_view("message")));
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(pub->Verify(AsBytes(std::string_view("message")), *signature).ok());
}

TEST_F(P256KeyFilesTest, NeverOverwritesEitherHalf) {
  ASSERT_TRUE(CreateP256KeyFiles(Prefix("bob")).ok());
  auto again = CreateP256KeyFiles(Prefix("bob"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(again.error().message().find("already exists"), std::string::npos);
  // A lone .pub blocks the pair too, and nothing is written beside it.
  ASSERT_TRUE(WriteFileAtomic(Prefix("carol") + ".pub", AsBytes(std::string_view("x"))).ok());
  EXPECT_FALSE(CreateP256KeyFiles(Prefix("carol")).ok());
  EXPECT_FALSE(std::filesystem::exists(Prefix("carol") + ".secret"));
}

TEST_F(P256KeyFilesTest, RefusesAPrefixWithoutAFileName) {
  for (const std::string& prefix : {std::string(), Prefix("") + "/", Prefix("."), Prefix("..")}) {
    auto made = CreateP256KeyFiles(prefix);
    ASSERT_FALSE(made.ok()) << prefix;
    EXPECT_EQ(made.error().code(), ErrorCode::kBadInput);
    EXPECT_NE(made.error().message().find("has no file name"), std::string::npos);
  }
}

TEST_F(P256KeyFilesTest, ReadingNamesWhatFailed) {
  auto missing = ReadP256Pair(Prefix("nobody.secret"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("cannot read the secret key"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(Prefix("short.pub"), AsBytes(std::string_view("00ff"))).ok());
  auto short_pub = ReadP256Public(Prefix("short.pub"));
  ASSERT_FALSE(short_pub.ok());
  EXPECT_NE(short_pub.error().message().find("cannot read the public key"), std::string::npos);
}

}  // namespace
}  // namespace vigil::crypto
