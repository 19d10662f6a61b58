#include "tlog/trusted_log.h"

#include <gtest/gtest.h>

#include "base/file.h"

namespace vigil::tlog {
namespace {

class TrustedLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto signer = NoteSigner::Create("example.com/log");
    ASSERT_TRUE(signer.ok());
    signer_.emplace(std::move(signer).value());
  }
  std::string Note(std::uint64_t size) {
    Checkpoint checkpoint{"example.com/log", size, Hash{}, {}};
    checkpoint.root[0] = static_cast<std::uint8_t>(size);
    auto note = signer_->Sign(FormatCheckpointText(checkpoint));
    EXPECT_TRUE(note.ok());
    return note.ok() ? *note : "";
  }
  std::optional<NoteSigner> signer_;
};

TEST_F(TrustedLogTest, TheKeyAloneIsTrustOnFirstUse) {
  const std::string vkey = signer_->VerifierKey();
  for (const std::string& text : {vkey, vkey + "\n"}) {
    auto trusted = ParseTrustedLog(text, "trusted");
    ASSERT_TRUE(trusted.ok()) << trusted.error().message();
    EXPECT_EQ(trusted->vkey, vkey);
    EXPECT_EQ(trusted->verifier.name(), "example.com/log");
    EXPECT_FALSE(trusted->checkpoint.has_value());
  }
}

TEST_F(TrustedLogTest, TheLastCheckpointReadsBackAfterFormatting) {
  auto first = ParseTrustedLog(signer_->VerifierKey(), "trusted");
  ASSERT_TRUE(first.ok());
  const std::string text = FormatTrustedLog(*first, Note(7));
  EXPECT_EQ(text, signer_->VerifierKey() + "\n" + Note(7));
  auto trusted = ParseTrustedLog(text, "trusted");
  ASSERT_TRUE(trusted.ok()) << trusted.error().message();
  ASSERT_TRUE(trusted->checkpoint.has_value());
  EXPECT_EQ(trusted->checkpoint->size, 7u);
  EXPECT_EQ(trusted->checkpoint->root[0], 7);
}

TEST_F(TrustedLogTest, APrivateKeyAnEmptyKeyAndAForeignCheckpointAreRefused) {
  auto secret = ParseTrustedLog("PRIVATE+KEY+example.com/log+0b9e8a4c+AAAA\n", "t");
  ASSERT_FALSE(secret.ok());
  EXPECT_NE(secret.error().message().find("t holds a private key"), std::string::npos);
  auto empty = ParseTrustedLog("\n" + Note(1), "t");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), ErrorCode::kBadInput);
  auto other = NoteSigner::Create("example.com/log");
  ASSERT_TRUE(other.ok());
  auto foreign = ParseTrustedLog(other->VerifierKey() + "\n" + Note(1), "t");
  EXPECT_FALSE(foreign.ok());
  EXPECT_FALSE(ParseTrustedLog("not a key\n", "t").ok());
}

TEST_F(TrustedLogTest, ReadsTheFileAndAVerifierKeyAsTextOrFile) {
  auto dir = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-trusted-log-");
  ASSERT_TRUE(dir.ok());
  const std::string vkey = signer_->VerifierKey();
  const auto trusted_file = dir->path() / "trusted";
  ASSERT_TRUE(WriteFileAtomic(trusted_file, AsBytes(vkey + "\n" + Note(3))).ok());
  auto trusted = ReadTrustedLog(trusted_file);
  ASSERT_TRUE(trusted.ok()) << trusted.error().message();
  ASSERT_TRUE(trusted->checkpoint.has_value());
  EXPECT_EQ(trusted->checkpoint->size, 3u);
  EXPECT_FALSE(ReadTrustedLog(dir->path() / "absent").ok());

  auto from_text = ReadVerifierKey(vkey);
  ASSERT_TRUE(from_text.ok()) << from_text.error().message();
  EXPECT_EQ(from_text->name(), "example.com/log");
  // A file: only its first line counts.
  const auto key_file = dir->path() / "log.vkey";
  ASSERT_TRUE(WriteFileAtomic(key_file, AsBytes(vkey + "\nanything else\n")).ok());
  auto from_file = ReadVerifierKey(key_file.string());
  ASSERT_TRUE(from_file.ok()) << from_file.error().message();
  EXPECT_EQ(from_file->name(), "example.com/log");
  // No '+': a file name, which must exist.
  EXPECT_FALSE(ReadVerifierKey((dir->path() / "nothing").string()).ok());
  EXPECT_FALSE(ReadVerifierKey("example.com/log+00000000+notbase64!").ok());

  const auto receipt_file = dir->path() / "receipt";
  ASSERT_TRUE(WriteFileAtomic(receipt_file, AsBytes(std::string_view("not a receipt"))).ok());
  auto receipt = ReadReceiptFile(receipt_file);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.error().message().rfind(receipt_file.string() + ": ", 0), 0u);
  EXPECT_FALSE(ReadReceiptFile(dir->path() / "absent").ok());
}

}  // namespace
}  // namespace vigil::tlog
