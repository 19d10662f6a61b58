#include "gateway/command.h"

#include <gtest/gtest.h>

#include "gateway/clearsigned.h"

namespace vigil::gateway {
namespace {

// Made by `gpg --clearsign` (GnuPG 2.2, an Ed25519 key) over the line below.
const std::string kLine = "Build hello 0123456789abcdef0123456789abcdef01234567";
const std::string kSignature =
    "-----BEGIN PGP SIGNATURE-----\n"
    "\n"
    "iHUEARYIAB0WIQQRq3gxpYLfpYIdmGlLjsjC9JmBOAUCaxN7tgAKCRBLjsjC9JmB\n"
    "OOE1APwI2DwQUZo5WtkTIL3/PatK/6gCskTroKrsK1H78NkmdQEAix939mJhmSaS\n"
    "hO+0+g+aWjf2XhG2OoFqZe1PWJpxIgI=\n"
    "=MRfp\n"
    "-----END PGP SIGNATURE-----\n";
const std::string kSigned =
    "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + kLine + "\n" + kSignature;

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(ClearSignedTest, ReadsGpgsOutput) {
  Result<ClearSigned> parsed = ParseClearSigned(kSigned);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->line, kLine);
  EXPECT_EQ(parsed->signature, kSignature);
  EXPECT_EQ(parsed->normalized, kSigned);
}

TEST(ClearSignedTest, PaddingAndCrlfFromCodeHostsNormaliseAway) {
  std::string padded = "\r\n  \r\n";
  for (char c : kSigned) padded += c == '\n' ? std::string(" \t\r\n") : std::string(1, c);
  Result<ClearSigned> parsed = ParseClearSigned(padded + "\n\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->normalized, kSigned);
}

TEST(ClearSignedTest, RefusesWhatIsNotTheStrictForm) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {Replace(kSigned, "Hash: SHA256", "Hash: SHA1"), "one hash"},
      {Replace(kSigned, "Hash: SHA256", "Hash: SHA512"), "not the one the armor names"},
      {Replace(kSigned, "Hash: SHA256\n", "Hash: SHA256\nComment: x\n"), "blank line"},
      {Replace(kSigned, kLine + "\n", kLine + "\nsecond line\n"), "one line"},
      {Replace(kSigned, kLine, "- " + kLine), "start with a word"},
      {Replace(kSigned, kLine, kLine + "\"x"), "A-Z"},
      {Replace(kSigned, kLine, "Build  hello"), "one space"},
      {Replace(kSigned, "=MRfp", "=MRfq"), "checksum"},
      {Replace(kSigned, "iHUE", "iHUF"), "checksum"},
      {Replace(kSigned, "-----BEGIN PGP SIGNATURE-----\n\n",
               "-----BEGIN PGP SIGNATURE-----\nVersion: x\n\n"),
       "no armor headers"},
      {kSigned + "trailing text\n", "must end with"},
      {"just text", "clear-signed"},
  };
  for (const auto& [text, expected] : cases) {
    Result<ClearSigned> parsed = ParseClearSigned(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.error().message().find(expected), std::string::npos)
        << parsed.error().message();
  }
  EXPECT_FALSE(ParseClearSigned(std::string(kMaxSignedCommand + 1, 'a')).ok());
}

TEST(CommandTest, ParsesTheGrammar) {
  Result<Command> build = ParseCommand(kLine);
  ASSERT_TRUE(build.ok()) << build.error().message();
  EXPECT_EQ(build->verb, Command::Verb::kBuild);
  EXPECT_EQ(CommandChannel(*build), "testing");
  Result<Command> promote = ParseCommand(
      "Promote hello hello-20261205T000000Z-0000000a testing current 2026-12-31T00:00:00Z");
  ASSERT_TRUE(promote.ok()) << promote.error().message();
  EXPECT_EQ(promote->build_id, "hello-20261205T000000Z-0000000a");
  EXPECT_EQ(CommandChannel(*promote), "current");
  EXPECT_EQ(promote->not_after, 1798675200);
  Result<Command> withdraw =
      ParseCommand("Withdraw hello hello-20261205T000000Z-0000000a testing 2026-12-31T00:00:00Z");
  ASSERT_TRUE(withdraw.ok());
  EXPECT_EQ(CommandChannel(*withdraw), "testing");
}

TEST(CommandTest, RefusesOthers) {
  for (const char* line : {
           "Upload-component hello abc current all",
           "Build hello 0123",
           "Build Hello 0123456789abcdef0123456789abcdef01234567",
           "Build hello 0123456789ABCDEF0123456789abcdef01234567",
           "Promote hello other-1 testing current 2026-12-31T00:00:00Z",
           "Promote hello hello-1 current testing 2026-12-31T00:00:00Z",
           "Promote hello hello-1 testing current 2026-12-31",
           "Promote hello hello-1 testing current 2026-12-31T00:00:00+00:00",
           "Withdraw hello hello-1 stable 2026-12-31T00:00:00Z",
           "Withdraw hello hello-1 testing",
       }) {
    EXPECT_FALSE(ParseCommand(line).ok()) << line;
  }
}

}  // namespace
}  // namespace vigil::gateway
