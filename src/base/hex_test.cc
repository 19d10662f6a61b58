#include "base/hex.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Hex, RoundTrips) {
  Bytes data = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(HexEncode(data), "0001abff");
  auto decoded = HexDecode("0001ABff");
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, data);
}

TEST(Hex, RejectsOddLength) {
  auto r = HexDecode("abc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kBadInput);
}

TEST(Hex, RejectsNonHexAndNamesOffset) {
  auto r = HexDecode("00zz");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("offset 2"), std::string::npos);
}

}  // namespace
}  // namespace vigil
