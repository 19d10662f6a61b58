#include "crypto/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "base/file.h"
#include "base/hex.h"

namespace vigil::crypto {
namespace {

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-key-file-");
    ASSERT_TRUE(dir.ok());
    dir_.emplace(std::move(dir).value());
  }
  std::filesystem::path Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_->path() / name, std::ios::binary) << text;
    return dir_->path() / name;
  }
  std::optional<TempDir> dir_;
};

TEST_F(KeyFileTest, ReadsHexWithOrWithoutOneNewline) {
  auto a = ReadSecretHexFile(Write("a", "00ff10"), 3);
  auto b = ReadSecretHexFile(Write("b", "00FF10\n"), 3);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(HexEncode(a->view()), "00ff10");
  EXPECT_TRUE(ConstantTimeEqual(a->view(), b->view()));
}

TEST_F(KeyFileTest, RejectsWrongLengthBadHexAndExtraWhitespace) {
  EXPECT_FALSE(ReadSecretHexFile(Write("short", "00ff"), 3).ok());
  auto bad = ReadSecretHexFile(Write("bad", "00zz10"), 3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(bad.error().message().find("zz"), std::string::npos);  // content never quoted
  EXPECT_FALSE(ReadSecretHexFile(Write("two", "00ff10\n\n"), 3).ok());
  EXPECT_FALSE(ReadSecretHexFile(Write("space", " 00ff10"), 3).ok());
  EXPECT_FALSE(ReadHexFile(Write("empty", ""), 0).ok());
}

TEST_F(KeyFileTest, WritesSecretsPrivateAndPublicReadable) {
  SecretBytes secret(Bytes{0xde, 0xad});
  ASSERT_TRUE(WriteSecretHexFile(dir_->path() / "k.secret", secret).ok());
  ASSERT_TRUE(WriteHexFile(dir_->path() / "k.pub", Bytes{0xbe, 0xef}).ok());
  struct stat st {};
  ASSERT_EQ(::stat((dir_->path() / "k.secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_->path() / "k.pub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  auto text = ReadFile(dir_->path() / "k.secret", 100);
  EXPECT_EQ(AsText(*text), "dead");
  auto pub = ReadHexFile(dir_->path() / "k.pub", 2);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(HexEncode(*pub), "beef");
}

}  // namespace
}  // namespace vigil::crypto
