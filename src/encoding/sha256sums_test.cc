#include "encoding/sha256sums.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "crypto/hash.h"

namespace vigil::encoding {
namespace {

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');
// SHA-256 of "x".
const std::string kHashX = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";

TEST(Sums, FormatsAndParsesBack) {
  std::string text = FormatSums(
      {{"a", *crypto::ParseSha256Hex(kHashA)}, {"b.eif", *crypto::ParseSha256Hex(kHashB)}});
  EXPECT_EQ(text, kHashA + "  a\n" + kHashB + "  b.eif\n");
  auto sums = ParseSums(text);
  ASSERT_TRUE(sums.ok());
  EXPECT_EQ(crypto::Sha256Hex(sums->at("b.eif")), kHashB);
}

TEST(Sums, ParsesStrictly) {
  for (const std::string& bad : {
           kHashA + "  a",                       // no final newline
           kHashA + " a\n",                      // one space
           kHashA.substr(1) + "  a\n",           // short hash
           std::string(64, 'A') + "  a\n",       // uppercase
           kHashA + "  b\n" + kHashA + "  a\n",  // unsorted
           kHashA + "  a\n" + kHashA + "  a\n",  // duplicate
           kHashA + "  sub/a\n",                 // a path
           kHashA + "  a\tb\n",                  // a control character
       }) {
    EXPECT_FALSE(ParseSums(bad).ok()) << bad;
  }
  // CRLF line endings are named as such (finding D22), not read as a name ending in CR.
  auto crlf = ParseSums(kHashA + "  a\r\n");
  ASSERT_FALSE(crlf.ok());
  EXPECT_EQ(crlf.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(crlf.error().message().find("line 1: ends with a carriage return (CRLF"),
            std::string::npos)
      << crlf.error().message();
}

TEST(Sums, ReadSumsAndCheckListedFindTampering) {
  auto scratch = TempDir::Create(std::filesystem::temp_directory_path(), "vigil-sums-");
  ASSERT_TRUE(scratch.ok());
  const std::filesystem::path dir = scratch->path();
  auto missing = ReadSums(dir);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kBadInput);
  ASSERT_TRUE(WriteFileAtomic(dir / "SHA256SUMS", AsBytes(kHashX + "  f\n")).ok());
  auto sums = ReadSums(dir);
  ASSERT_TRUE(sums.ok()) << sums.error().message();
  EXPECT_TRUE(CheckListed(*sums, dir, "f", *crypto::ParseSha256Hex(kHashX)).ok());
  auto unlisted = CheckListed(*sums, dir, "g", *crypto::ParseSha256Hex(kHashX));
  ASSERT_FALSE(unlisted.ok());
  EXPECT_EQ(unlisted.error().code(), ErrorCode::kBadInput);
  auto tampered = CheckListed(*sums, dir, "f", *crypto::ParseSha256Hex(kHashA));
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.error().code(), ErrorCode::kFailed);
  EXPECT_NE(tampered.error().message().find("modified after it was built"), std::string::npos);
}

}  // namespace
}  // namespace vigil::encoding
