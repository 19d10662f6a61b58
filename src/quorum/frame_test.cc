#include "quorum/frame.h"

#include <gtest/gtest.h>

namespace vigil::quorum {
namespace {

TEST(FrameTest, HeaderIsLittleEndianLength) {
  Result<Bytes> frame = EncodeFrame(Bytes{'h', 'i', '!'});
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(*frame, (Bytes{3, 0, 0, 0, 0, 0, 0, 0, 'h', 'i', '!'}));
  EXPECT_FALSE(EncodeFrame(Bytes(5), 4).ok());
}

TEST(FrameTest, ReassemblesFramesSplitAnywhere) {
  Bytes stream = *EncodeFrame(Bytes{1, 2, 3});
  Bytes second = *EncodeFrame(Bytes{});
  stream.insert(stream.end(), second.begin(), second.end());
  FrameReader reader;
  for (std::uint8_t byte : stream) ASSERT_TRUE(reader.Feed(Bytes{byte}).ok());
  EXPECT_EQ(reader.Next(), (Bytes{1, 2, 3}));
  EXPECT_EQ(reader.Next(), Bytes{});
  EXPECT_FALSE(reader.Next().has_value());
}

TEST(FrameTest, RefusesAnOversizeHeaderBeforeBuffering) {
  FrameReader reader(16);
  Status fed = reader.Feed(Bytes{17, 0, 0, 0, 0, 0, 0, 0, 'x'});
  ASSERT_FALSE(fed.ok());
  EXPECT_NE(fed.error().message().find("OversizedPayload"), std::string::npos);
  EXPECT_EQ(reader.pending(), 0u);
  EXPECT_FALSE(reader.Feed(Bytes{1}).ok());  // until reset
  reader.Reset();
  ASSERT_TRUE(reader.Feed(*EncodeFrame(Bytes{7}, 16)).ok());
  EXPECT_EQ(reader.Next(), Bytes{7});
}

TEST(FrameTest, ResetDropsAPartialFrame) {
  FrameReader reader;
  ASSERT_TRUE(reader.Feed(Bytes{4, 0, 0, 0, 0, 0, 0, 0, 'a'}).ok());
  EXPECT_FALSE(reader.Next().has_value());
  reader.Reset();
  ASSERT_TRUE(reader.Feed(*EncodeFrame(Bytes{'b'})).ok());
  EXPECT_EQ(reader.Next(), Bytes{'b'});
}

}  // namespace
}  // namespace vigil::quorum
