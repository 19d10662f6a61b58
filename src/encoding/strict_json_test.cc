#include "encoding/strict_json.h"

#include <gtest/gtest.h>

#include <string>

namespace vigil::encoding {
namespace {

void ExpectRejected(std::string_view text, const std::string& needle) {
  auto parsed = ParseStrictJson(text, "the doc", 4);
  ASSERT_FALSE(parsed.ok()) << "accepted: " << text;
  EXPECT_EQ(parsed.error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(parsed.error().message().rfind("the doc", 0), 0u) << parsed.error().message();
  EXPECT_NE(parsed.error().message().find(needle), std::string::npos)
      << "for " << text << ": " << parsed.error().message();
}

TEST(StrictJson, AcceptsAnyLayoutOfValidJson) {
  auto parsed =
      ParseStrictJson(" {\n  \"b\": [1, 2.5, \"x\", null, true],\n  \"a\": {}\n}\n", "doc");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->dump(), R"({"a":{},"b":[1,2.5,"x",null,true]})");
  // The same key in different objects is fine.
  EXPECT_TRUE(ParseStrictJson(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})", "doc").ok());
}

TEST(StrictJson, RefusesDuplicateKeysNamingWhere) {
  ExpectRejected(R"({"payload":"a","payload":"b"})",
                 "the key \"payload\" appears twice in the object at $");
  ExpectRejected(R"({"a":[0,{"x":1,"y":2,"x":3}]})",
                 "the key \"x\" appears twice in the object at $.a[1]");
  ExpectRejected(R"({"a b":{"k":1,"k":1}})", "appears twice in the object at $[\"a b\"]");
  // JSON lets a key hold DEL unescaped; a message never does (found by the build_answer
  // fuzzer: a nesting error naming such a key).
  auto refused = ParseStrictJson("{\"a\x7f\":{\"k\":1,\"k\":1}}", "doc");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message().find('\x7f'), std::string::npos) << refused.error().message();
}

TEST(StrictJson, RefusesNulAndTrailingBytes) {
  ExpectRejected(std::string_view("{\"a\":1}\0", 8), "holds a NUL byte at byte 7");
  ExpectRejected(std::string_view("{\"a\":\"x\0y\"}", 11), "holds a NUL byte at byte 7");
  ExpectRejected("{\"a\":1} x", "trailing bytes after the JSON value");
  ExpectRejected("{\"a\":1}{}", "trailing bytes after the JSON value");
}

TEST(StrictJson, RefusesInvalidJsonAndUtf8WithTheOffset) {
  ExpectRejected("{\"a\":", "invalid JSON near byte");
  ExpectRejected("{\"a\":\"\xff\"}", "UTF-8");
  ExpectRejected("", "invalid JSON near byte");
}

TEST(StrictJson, BoundsNesting) {
  EXPECT_TRUE(ParseStrictJson("[[[[1]]]]", "doc", 4).ok());
  ExpectRejected("[[[[[1]]]]]", "nesting deeper than 4 levels at $[0][0][0][0]");
  ExpectRejected(R"({"a":{"b":{"c":{"d":{}}}}})", "nesting deeper than 4 levels at $.a.b.c.d");
}

}  // namespace
}  // namespace vigil::encoding
