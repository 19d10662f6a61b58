#include "base/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace vigil {
namespace {

TEST(DecodeUtf8, OneToFourBytes) {
  char32_t c = 0;
  EXPECT_EQ(DecodeUtf8("A", c), 1u);
  EXPECT_EQ(c, U'A');
  EXPECT_EQ(DecodeUtf8(std::string_view("\0", 1), c), 1u);
  EXPECT_EQ(c, 0u);
  EXPECT_EQ(DecodeUtf8("\xc2\x80", c), 2u);
  EXPECT_EQ(c, 0x80u);
  EXPECT_EQ(DecodeUtf8("\xe2\x80\x94 rest", c), 3u);  // only the first character
  EXPECT_EQ(c, 0x2014u);
  EXPECT_EQ(DecodeUtf8("\xef\xbf\xbf", c), 3u);
  EXPECT_EQ(c, 0xffffu);
  EXPECT_EQ(DecodeUtf8("\xf0\x9f\x98\x80", c), 4u);
  EXPECT_EQ(c, 0x1f600u);
  EXPECT_EQ(DecodeUtf8("\xf4\x8f\xbf\xbf", c), 4u);
  EXPECT_EQ(c, 0x10ffffu);
}

TEST(DecodeUtf8, RefusesIllFormed) {
  char32_t c = 0;
  for (const char* bad : {
           "",                  // nothing
           "\x80",              // a lone continuation byte
           "\xbf",              //
           "\xc0\x80",          // overlong NUL
           "\xc1\xbf",          // overlong
           "\xe0\x80\x80",      // overlong three bytes
           "\xe0\x9f\xbf",      // overlong (U+07FF)
           "\xf0\x80\x80\x80",  // overlong four bytes
           "\xf0\x8f\xbf\xbf",  // overlong (U+FFFF)
           "\xed\xa0\x80",      // surrogate U+D800
           "\xed\xbf\xbf",      // surrogate U+DFFF
           "\xf4\x90\x80\x80",  // U+110000
           "\xf5\x80\x80\x80",  // lead above 0xf4
           "\xf8\x88\x80\x80\x80",
           "\xff",
           "\xc2",          // truncated
           "\xe2\x80",      // truncated
           "\xf0\x9f\x98",  // truncated
           "\xc2\x41",      // not a continuation byte
           "\xe2\x80\x41",  //
       }) {
    EXPECT_EQ(DecodeUtf8(bad, c), 0u) << "for " << ::testing::PrintToString(std::string(bad));
  }
}

TEST(IsValidUtf8, WholeTexts) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii\n"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80"));
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf\xee\x80\x80"));  // U+D7FF and U+E000 surround surrogates
  EXPECT_FALSE(IsValidUtf8("caf\xc3"));                  // truncated at the end
  EXPECT_FALSE(IsValidUtf8("a\xed\xa0\x80z"));           // a surrogate in the middle
  EXPECT_FALSE(IsValidUtf8("\xc3\xa9\xc0\xaf"));         // an overlong '/' after a valid one
}

// Every code point round-trips through a reference encoder, and every other sequence of one
// to four bytes that is not such an encoding is refused.
std::string Encode(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
  return out;
}

TEST(DecodeUtf8, EveryScalarValueRoundTrips) {
  for (char32_t c = 0; c <= 0x10ffff; ++c) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const std::string encoded = Encode(c);
    char32_t decoded = 0;
    ASSERT_EQ(DecodeUtf8(encoded, decoded), encoded.size())
        << std::hex << static_cast<std::uint32_t>(c);
    ASSERT_EQ(decoded, c);
  }
}

TEST(DecodeUtf8, EveryTwoAndThreeByteSequenceAgreesWithTheEncoder) {
  char32_t c = 0;
  for (unsigned a = 0x80; a <= 0xff; ++a) {
    for (unsigned b = 0; b <= 0xff; ++b) {
      const std::string two{static_cast<char>(a), static_cast<char>(b)};
      const std::size_t length = DecodeUtf8(two, c);
      if (length == 2) {
        EXPECT_EQ(Encode(c), two);
      } else {
        EXPECT_EQ(length, 0u);
      }
    }
  }
  for (unsigned a = 0xe0; a <= 0xef; ++a) {
    for (unsigned b = 0; b <= 0xff; ++b) {
      const std::string three{static_cast<char>(a), static_cast<char>(b), '\x80'};
      const std::size_t length = DecodeUtf8(three, c);
      if (length == 3) {
        EXPECT_EQ(Encode(c), three);
        EXPECT_FALSE(c >= 0xd800 && c <= 0xdfff);
      } else {
        EXPECT_EQ(length, 0u);
      }
    }
  }
}

}  // namespace
}  // namespace vigil
