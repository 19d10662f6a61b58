#include "tlog/trusted_log.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace vigil::tlog
