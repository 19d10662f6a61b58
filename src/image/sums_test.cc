#include "image/sums.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "image/test_util.h"

namespace vigil::image {
namespace {

const std::string kHashA(64, 'a');
const std::string kHashB(64, 'b');
// SHA-256 of "x".
const std::string kHashX = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";

TEST(Sums, FormatsAndParsesBack) {
  std::string text = FormatSums({{"a", kHashA}, {"b.eif", kHashB}});
  EXPECT_EQ(text, kHashA + "  a\n" + kHashB + "  b.eif\n");
  auto sums = ParseSums(text);
  ASSERT_TRUE(sums.ok());
  EXPECT_EQ(sums->at("b.eif"), kHashB);
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
       }) {
    EXPECT_FALSE(ParseSums(bad).ok()) << bad;
  }
}

TEST(Sums, VerifyListedFilesFindsTampering) {
  testing::ScratchDir dir;
  dir.Write("f", "x");
  dir.Write("SHA256SUMS", kHashX + "  f\n");
  EXPECT_TRUE(VerifyListedFiles(dir.path(), {"f"}).ok());
  auto unlisted = VerifyListedFiles(dir.path(), {"g"});
  ASSERT_FALSE(unlisted.ok());
  EXPECT_EQ(unlisted.error().code(), ErrorCode::kBadInput);
  dir.Write("f", "y");
  auto tampered = VerifyListedFiles(dir.path(), {"f"});
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.error().code(), ErrorCode::kFailed);
}

}  // namespace
}  // namespace vigil::image
