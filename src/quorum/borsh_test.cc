#include "quorum/borsh.h"

#include <gtest/gtest.h>

namespace vigil::quorum {
namespace {

TEST(BorshTest, WritesLittleEndianAndLengthPrefixes) {
  BorshWriter out;
  out.U16(0x0102);
  out.U32(0x03040506);
  ASSERT_TRUE(out.String("ab").ok());
  out.Bool(true);
  EXPECT_EQ(out.bytes(), (Bytes{0x02, 0x01, 0x06, 0x05, 0x04, 0x03, 2, 0, 0, 0, 'a', 'b', 1}));
}

TEST(BorshTest, ReadsBackWhatWasWritten) {
  BorshWriter out;
  out.U64(0x1122334455667788ull);
  ASSERT_TRUE(out.Bytes(Bytes{9, 8, 7}).ok());
  out.U8(1);
  BorshReader in(out.bytes(), "test");
  EXPECT_EQ(*in.U64("a"), 0x1122334455667788ull);
  EXPECT_EQ(*in.Bytes(3, "b"), (Bytes{9, 8, 7}));
  EXPECT_TRUE(*in.OptionTag("c"));
  EXPECT_TRUE(in.Finish().ok());
}

TEST(BorshTest, RefusesWhatHasTwoMeanings) {
  const Bytes two{2};
  BorshReader bad_bool(two, "test");
  EXPECT_FALSE(bad_bool.Bool("flag").ok());
  BorshReader bad_option(two, "test");
  EXPECT_FALSE(bad_option.OptionTag("option").ok());
  const Bytes invalid_utf8{2, 0, 0, 0, 0xc3, 0x28};
  BorshReader string(invalid_utf8, "test");
  Result<std::string> text = string.String(16, "name");
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message().find("UTF-8"), std::string::npos);
  const Bytes trailing{1, 0};
  BorshReader extra(trailing, "test");
  ASSERT_TRUE(extra.U8("x").ok());
  EXPECT_FALSE(extra.Finish().ok());
}

TEST(BorshTest, BoundsLengthsBeforeReading) {
  const Bytes huge{0xff, 0xff, 0xff, 0xff};
  BorshReader over(huge, "test");
  Result<Bytes> bytes = over.Bytes(1024, "blob");
  ASSERT_FALSE(bytes.ok());
  EXPECT_NE(bytes.error().message().find("over the bound"), std::string::npos);
  const Bytes short_vec{4, 0, 0, 0, 1};
  BorshReader truncated(short_vec, "test");
  Result<Bytes> cut = truncated.Bytes(1024, "blob");
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.error().message().find("truncated"), std::string::npos);
}

}  // namespace
}  // namespace vigil::quorum
