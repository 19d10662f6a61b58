#include "crypto/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cctype>
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
  // A key file as it should be kept: readable by its owner only.
  std::filesystem::path Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_->path() / name, std::ios::binary) << text;
    ::chmod((dir_->path() / name).c_str(), 0600);
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

TEST_F(KeyFileTest, RefusesASecretOthersMayRead) {
  auto path = Write("open", "00ff10");
  ::chmod(path.c_str(), 0644);
  auto read = ReadSecretHexFile(path, 3);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(read.error().message().find("chmod 600"), std::string::npos);
}

TEST_F(KeyFileTest, RejectsWrongLengthBadHexAndExtraWhitespace) {
  EXPECT_FALSE(ReadSecretHexFile(Write("short", "00ff"), 3).ok());
  auto bad = ReadSecretHexFile(Write("bad", "00zz10"), 3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(bad.error().message().find("zz"), std::string::npos);  // content never quoted
  auto two = ReadSecretHexFile(Write("two", "00ff10\n\n"), 3);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message().find("only one final newline"), std::string::npos)
      << two.error().message();
  EXPECT_FALSE(ReadSecretHexFile(Write("space", " 00ff10"), 3).ok());
  EXPECT_FALSE(ReadHexFile(Write("empty", ""), 0).ok());
}

// The branch-free secret hex agrees with the table-driven public one on every byte value,
// and refuses every character that is not a hex digit.
TEST(SecretHex, AgreesWithHexEncodeOnEveryByteAndRefusesEveryNonDigit) {
  for (int b = 0; b < 256; ++b) {
    std::string hex = HexEncode(Bytes{static_cast<std::uint8_t>(b)});
    for (const std::string& text : {hex, std::string{static_cast<char>(std::toupper(hex[0])),
                                                     static_cast<char>(std::toupper(hex[1]))}}) {
      auto decoded = HexDecodeSecret(text);
      ASSERT_TRUE(decoded.ok()) << text;
      EXPECT_EQ(decoded->view()[0], b) << text;
    }
  }
  for (int c = 0; c < 256; ++c) {
    bool digit = std::isxdigit(c) != 0;
    std::string text = {'0', static_cast<char>(c)};
    EXPECT_EQ(HexDecodeSecret(text).ok(), digit) << c;
  }
}

TEST_F(KeyFileTest, WritesSecretHexThatReadsBack) {
  Bytes all(256);
  for (int b = 0; b < 256; ++b) all[b] = static_cast<std::uint8_t>(b);
  ASSERT_TRUE(WriteSecretHexFile(dir_->path() / "all.secret", SecretBytes(all)).ok());
  auto text = ReadFile(dir_->path() / "all.secret", 1000);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(AsText(*text), HexEncode(all));
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
