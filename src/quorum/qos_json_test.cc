#include "quorum/qos_json.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include "base/hex.h"
#include "crypto/hash.h"

namespace vigil::quorum::qos_json {
namespace {

using Json = nlohmann::json;

std::string Canonical(const Json& value) {
  auto text = Serialize(value);
  if (!text.ok()) return "error: " + text.error().message();
  return *text;
}

std::string Sha256Hex(std::string_view text) { return HexEncode(crypto::Sha256(AsBytes(text))); }

void ExpectRejected(std::string_view text, const std::string& needle) {
  auto parsed = ParseCanonical(text);
  ASSERT_FALSE(parsed.ok()) << "accepted: " << text;
  EXPECT_EQ(parsed.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(parsed.error().message().find(needle), std::string::npos)
      << "for " << text << ": " << parsed.error().message();
}

void ExpectAccepted(std::string_view text) {
  auto parsed = ParseCanonical(text);
  ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().message();
  EXPECT_EQ(Canonical(*parsed), text);
}

// shared/vectors/README.md, qos/ (the same hashes as qos_json's SPEC.md).
TEST(QosJsonVectors, KnownHashes) {
  EXPECT_EQ(Canonical(Json::object()), "{}");
  EXPECT_EQ(Sha256Hex(Canonical(Json::object())),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");

  const Json as_strings = {{"version", "1"}, {"threshold", "3"}, {"name", "test"}};
  const Json as_integers = {{"version", 1}, {"threshold", 3}, {"name", "test"}};
  const Json as_unsigned = {{"version", 1U}, {"threshold", 3U}, {"name", "test"}};
  const std::string expected = R"({"name":"test","threshold":"3","version":"1"})";
  EXPECT_EQ(Canonical(as_strings), expected);
  EXPECT_EQ(Canonical(as_integers), expected);
  EXPECT_EQ(Canonical(as_unsigned), expected);
  EXPECT_EQ(Sha256Hex(expected),
            "898eaf2263b3ca34a9fb0b59615a16e5819b43c53fabc44396f92128f72ccc7e");

  const Json data = {{"data", Json::binary({0xde, 0xad, 0xbe, 0xef})}};
  EXPECT_EQ(Canonical(data), R"({"data":"deadbeef"})");
  EXPECT_EQ(Sha256Hex(Canonical(data)),
            "03fe564ceddcb54a7a742bd7a4db57318a068cecd22ae44435ce68d35e754e13");
}

// The other examples of tkhq/qos src/qos_json/SPEC.md.
TEST(QosJsonVectors, QosSpecExamples) {
  EXPECT_EQ(Canonical({{"threshold", 3}, {"manifest", {{"version", 2}, {"namespace", "prod"}}}}),
            R"({"manifest":{"namespace":"prod","version":"2"},"threshold":"3"})");
  EXPECT_EQ(Canonical("never"), R"("never")");
  EXPECT_EQ(Canonical({{"server", Json::array({3000, "0.0.0.0"})}}),
            R"({"server":["3000","0.0.0.0"]})");
  EXPECT_EQ(Canonical({{"request", {{"id", 42}, {"data", Json::binary({0xab, 0xcd})}}}}),
            R"({"request":{"data":"abcd","id":"42"}})");
  EXPECT_EQ(Canonical({{"name", "test"}, {"debug", nullptr}}), R"({"name":"test"})");
  EXPECT_EQ(Canonical({{"name", "test"}, {"debug", true}}), R"({"debug":true,"name":"test"})");
}

TEST(QosJsonSerialize, ScalarsArraysAndNulls) {
  EXPECT_EQ(Canonical(nullptr), "null");
  EXPECT_EQ(Canonical(Json::array({nullptr, false, -5, "x"})), R"([null,false,"-5","x"])");
  EXPECT_EQ(Canonical(std::numeric_limits<std::uint64_t>::max()), R"("18446744073709551615")");
  EXPECT_EQ(Canonical(std::numeric_limits<std::int64_t>::min()), R"("-9223372036854775808")");
  EXPECT_EQ(Canonical(Json::binary({})), R"("")");
  EXPECT_EQ(Canonical({{"a", {{"b", nullptr}}}, {"c", Json::array()}}), R"({"a":{},"c":[]})");
}

// serde_json escapes only " \ and control characters; / and DEL and non-ASCII stay raw.
TEST(QosJsonSerialize, EscapesLikeSerdeJson) {
  const std::string text =
      std::string("\"\\\b\f\n\r\t") + '\x00' + "\x01\x1f\x7f/\xc3\xa9" + "\xf0\x9f\x98\x80";
  EXPECT_EQ(Canonical(text),
            "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0000\\u0001\\u001f\x7f/\xc3\xa9\xf0\x9f\x98\x80\"");
  EXPECT_EQ(Canonical({{"k\"ey\n", "v"}}), R"({"k\"ey\n":"v"})");
  ExpectAccepted(*Serialize(text));
}

// U+E000 is EE 80 80 in UTF-8 but E000 in UTF-16; U+1F600 is F0 9F 98 80 but D83D DE00. Bytes
// put U+E000 first; UTF-16 code units put U+1F600 first. Likewise U+FFFF against U+10000.
TEST(QosJsonSerialize, KeysSortByUtf16CodeUnitsNotBytes) {
  const std::string private_use = "\xee\x80\x80";              // U+E000
  const std::string emoji = "\xf0\x9f\x98\x80";                // U+1F600
  const std::string last_bmp = "\xef\xbf\xbf";                 // U+FFFF
  const std::string first_supplementary = "\xf0\x90\x80\x80";  // U+10000
  ASSERT_LT(private_use, emoji);                               // byte order
  const Json value = {{private_use, "1"}, {emoji, "2"}, {"a", "3"}};
  const std::string utf16_order =
      "{\"a\":\"3\",\"" + emoji + "\":\"2\",\"" + private_use + "\":\"1\"}";
  EXPECT_EQ(Canonical(value), utf16_order);
  ExpectAccepted(utf16_order);
  ExpectRejected("{\"a\":\"3\",\"" + private_use + "\":\"1\",\"" + emoji + "\":\"2\"}",
                 "keys out of order");

  EXPECT_EQ(Canonical({{last_bmp, "1"}, {first_supplementary, "2"}}),
            "{\"" + first_supplementary + "\":\"2\",\"" + last_bmp + "\":\"1\"}");
  // Below the surrogate range the two orders agree.
  EXPECT_EQ(Canonical({{"\xed\x9f\xbf", "1"}, {emoji, "2"}}),
            "{\"\xed\x9f\xbf\":\"1\",\"" + emoji + "\":\"2\"}");
  // A prefix sorts first.
  EXPECT_EQ(Canonical({{"ab", "1"}, {"a", "2"}}), R"({"a":"2","ab":"1"})");
}

TEST(QosJsonSerialize, RefusesWhatQosCannotWrite) {
  auto floating = Serialize({{"a", Json::array({1, 2.5})}});
  ASSERT_FALSE(floating.ok());
  EXPECT_EQ(floating.error().code(), ErrorCode::kBadInput);
  EXPECT_NE(floating.error().message().find("float at $.a[1]"), std::string::npos)
      << floating.error().message();

  auto bad_string = Serialize({{"a", "\xff"}});
  ASSERT_FALSE(bad_string.ok());
  EXPECT_NE(bad_string.error().message().find("not UTF-8"), std::string::npos);
  auto bad_key = Serialize({{"\xc0\xaf", "x"}});
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.error().message().find("key at $ is not UTF-8"), std::string::npos);
}

Json Nested(std::size_t depth) {
  Json value = "leaf";
  for (std::size_t i = 0; i < depth; ++i)
    value = (i % 2 == 0) ? Json::array({value}) : Json{{"k", value}};
  return value;
}

std::string NestedText(std::size_t depth) {
  auto text = Serialize(Nested(depth));
  return text.ok() ? *text : "";
}

// qos_json::MAX_DEPTH = 8: eight containers around a scalar are fine, nine are not.
TEST(QosJsonSerialize, DepthLimitMatchesQos) {
  EXPECT_TRUE(Serialize(Nested(kMaxDepth)).ok());
  auto deep = Serialize(Nested(kMaxDepth + 1));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message().find("nesting deeper than 8 levels"), std::string::npos)
      << deep.error().message();
  // An empty container at depth 8 has no value at depth 9.
  Json empty_at_eight = Json::array();
  for (std::size_t i = 0; i < kMaxDepth; ++i) empty_at_eight = Json::array({empty_at_eight});
  EXPECT_TRUE(Serialize(empty_at_eight).ok());
}

TEST(QosJsonParse, AcceptsCanonicalText) {
  ExpectAccepted("{}");
  ExpectAccepted("[]");
  ExpectAccepted("null");
  ExpectAccepted(R"("")");
  ExpectAccepted(R"({"name":"test","threshold":"3","version":"1"})");
  ExpectAccepted(R"([null,true,false,"x",{},[]])");
  ExpectAccepted(R"({"a":{"b":[{"c":"1"}]},"b":"\u0000\u001f\n"})");
  ExpectAccepted(NestedText(kMaxDepth));

  auto parsed = ParseCanonical(R"({"data":"deadbeef","list":["1",null]})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, Json::parse(R"({"data":"deadbeef","list":["1",null]})"));
}

TEST(QosJsonParse, RejectsDuplicateAndUnsortedKeys) {
  ExpectRejected(R"({"a":"1","a":"2"})", "duplicate key at $.a");
  ExpectRejected(R"({"a":"1","b":"2","a":"3"})", "duplicate key at $.a");
  ExpectRejected(R"({"b":"1","a":"2"})", "keys out of order at $.a");
  ExpectRejected(R"({"x":[{"b":"1","a":"2"}]})", "keys out of order at $.x[0].a");
}

TEST(QosJsonParse, RejectsWhitespaceAndTrailingBytes) {
  ExpectRejected(R"({"a": "1"})", "whitespace at byte 5");
  ExpectRejected(R"( {})", "whitespace at byte 0");
  ExpectRejected("{}\n", "whitespace at byte 2");
  ExpectRejected("[\"1\" ,\"2\"]", "whitespace at byte 4");
  ExpectRejected("{}x", "trailing bytes");
  ExpectRejected("{}{}", "trailing bytes");
  ExpectRejected("\xef\xbb\xbf{}", "byte-order mark");
}

TEST(QosJsonParse, RejectsNumbersAndNullMembers) {
  ExpectRejected(R"({"a":3})", "integers are written as decimal strings (\"3\")");
  ExpectRejected(R"(["1",-7])", "number at $[1]");
  ExpectRejected(R"({"a":1.5})", "floats are not allowed");
  ExpectRejected(R"({"a":1e3})", "floats are not allowed");
  ExpectRejected(R"({"a":null})", "null member at $.a");
}

TEST(QosJsonParse, RejectsNonCanonicalEscapes) {
  ExpectRejected(R"(["\u0041"])", "string escape at byte 2");
  ExpectRejected(R"(["a\/b"])", "string escape at byte 3");
  ExpectRejected(R"(["\u001F"])", "string escape");
  ExpectRejected(R"(["\u00e9"])", "string escape");
  ExpectRejected(R"(["\u0008"])", "string escape");
  ExpectRejected(R"({"\u0061":"1"})", "string escape");
}

TEST(QosJsonParse, RejectsInvalidUtf8AndBadSyntax) {
  ExpectRejected("[\"\xff\"]", "invalid JSON");
  ExpectRejected("[\"\xc0\xaf\"]", "invalid JSON");          // overlong '/'
  ExpectRejected("[\"\xed\xa0\x80\"]", "invalid JSON");      // UTF-8 encoded surrogate
  ExpectRejected("[\"\xf4\x90\x80\x80\"]", "invalid JSON");  // above U+10FFFF
  ExpectRejected(R"(["\ud800"])", "invalid JSON");           // lone surrogate escape
  ExpectRejected("[\"a\nb\"]", "invalid JSON");              // raw control character
  ExpectRejected("", "invalid JSON");
  ExpectRejected("{", "invalid JSON");
  ExpectRejected("{'a':'1'}", "invalid JSON");
  ExpectRejected("[\"1\",]", "invalid JSON");
  ExpectRejected("/* c */{}", "invalid JSON");
}

TEST(QosJsonParse, RejectsDeepNestingAndOversizeText) {
  ExpectRejected(std::string(9, '[') + "\"x\"" + std::string(9, ']'),
                 "nesting deeper than 8 levels at $[0][0][0][0][0][0][0][0][0]");
  ExpectAccepted(std::string(9, '[') + std::string(9, ']'));  // nothing at depth 9
  ExpectRejected(std::string(100000, '['), "nesting deeper than 8 levels");
  std::string big = "\"" + std::string(kMaxTextSize - 1, 'a') + "\"";
  ExpectRejected(big, "exceeds the 1048576-byte limit");
  big.resize(kMaxTextSize - 2);
  big += "\"";
  ExpectAccepted(big);
}

// Whatever Serialize writes, ParseCanonical accepts and gives back.
TEST(QosJsonParse, RoundTripsRandomValues) {
  std::mt19937 rng(7);
  const std::vector<std::string> keys = {
      "a", "b", "ab", "Z", "_", "\xee\x80\x80", "\xf0\x9f\x98\x80", "\xc3\xa9", "", "x\ny"};
  std::function<Json(std::size_t)> make = [&](std::size_t depth) -> Json {
    switch (depth >= kMaxDepth ? rng() % 5 : rng() % 7) {
      case 0:
        return nullptr;
      case 1:
        return rng() % 2 == 0;
      case 2:
        return static_cast<std::int64_t>(rng()) - (1LL << 31);
      case 3:
        return keys[rng() % keys.size()] + "\x01\"\\";
      case 4:
        return Json::binary({static_cast<std::uint8_t>(rng()), 0x0f});
      case 5: {
        Json array = Json::array();
        for (std::size_t n = rng() % 4; n > 0; --n) array.push_back(make(depth + 1));
        return array;
      }
      default: {
        Json object = Json::object();
        for (std::size_t n = rng() % 5; n > 0; --n)
          object[keys[rng() % keys.size()]] = make(depth + 1);
        return object;
      }
    }
  };
  for (int i = 0; i < 500; ++i) {
    const Json value = make(0);
    auto text = Serialize(value);
    ASSERT_TRUE(text.ok()) << text.error().message();
    ExpectAccepted(*text);
  }
}

}  // namespace
}  // namespace vigil::quorum::qos_json

namespace vigil::quorum::qos_json {
namespace {

// Parse errors say where and what, never quote the input (it may hold secrets).
TEST(QosJsonErrors, DoNotEchoTheInput) {
  for (std::string text : {std::string("{\"a\":\"SECRETSECRET; tail\x01\"}"),
                           std::string("{\"a\":\"x\\u0041; SECRETSECRET\\q\"}"),
                           std::string("{\"a\":\"SECRETSECRET\"} SECRETSECRET")}) {
    auto parsed = ParseCanonical(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().message().find("SECRETSECRET"), std::string::npos)
        << parsed.error().message();
  }
}

}  // namespace
}  // namespace vigil::quorum::qos_json
