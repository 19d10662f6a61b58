#include "base/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil {
namespace {

std::string Decoded(std::string_view text) {
  auto bytes = Base64Decode(text);
  if (!bytes.ok()) return "error: " + bytes.error().message();
  return std::string(AsText(*bytes));
}

// RFC 4648 section 10.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), encoded);
    EXPECT_EQ(Decoded(encoded), plain);
  }
}

TEST(Base64, RoundTripsEveryByteAndLength) {
  Bytes data;
  for (int i = 0; i < 300; ++i) {
    auto decoded = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(decoded.ok()) << decoded.error().message();
    EXPECT_EQ(*decoded, data);
    data.push_back(static_cast<std::uint8_t>(i * 7 + 3));
  }
  EXPECT_EQ(Base64Encode(Bytes{0xfb, 0xff, 0xbf}), "+/+/");
}

TEST(Base64, RejectsBadLengthAndPadding) {
  for (const char* bad : {"Zg", "Zg=", "Zg===", "Zm8", "Zm9vY", "Zg==Zg==", "=",
                          "====", "Z===", "Zm=v", "Zm9v===="}) {
    auto r = Base64Decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kBadInput) << bad;
    EXPECT_EQ(r.error().message().rfind("not valid base64: ", 0), 0u) << r.error().message();
  }
}

TEST(Base64, RejectsWhitespaceAndForeignCharacters) {
  for (const char* bad : {"Zm9v\n", " Zm9v", "Zm 9", "Zm9v\r\n", "Zm-_", "Zm9\x80", "Zm.v"}) {
    auto r = Base64Decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kBadInput);
  }
  EXPECT_NE(Base64Decode("Zm 9").error().message().find("offset 2"), std::string::npos);
  EXPECT_FALSE(Base64Decode(std::string_view("Zm\0v", 4)).ok());
}

TEST(Base64, RejectsNonCanonicalTrailingBits) {
  // "Zg==" is the only encoding of "f"; "Zh==" sets unused bits.
  EXPECT_FALSE(Base64Decode("Zh==").ok());
  EXPECT_FALSE(Base64Decode("Zm9=").ok());
  EXPECT_TRUE(Base64Decode("Zm8=").ok());
  auto r = Base64Decode("Zh==");
  EXPECT_NE(r.error().message().find("non-canonical"), std::string::npos);
}

}  // namespace
}  // namespace vigil
