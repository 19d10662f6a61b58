#include "http/message_head.h"

#include <gtest/gtest.h>

namespace vigil::http {
namespace {

TEST(MessageHead, ParsesARequest) {
  auto head = ParseRequestHead("GET /tile/0/000?x=1 HTTP/1.1\r\nHost: a\r\nX-Y:  z \r\n\r\n", {});
  ASSERT_TRUE(head.ok()) << head.error().message();
  EXPECT_EQ(head->method, "GET");
  EXPECT_EQ(head->path, "/tile/0/000");
  EXPECT_EQ(head->minor_version, 1);
  ASSERT_NE(head->fields.Find("x-y"), nullptr);
  EXPECT_EQ(*head->fields.Find("x-y"), "z");
}

TEST(MessageHead, RefusesWhatIsNotStrictHttp) {
  const HeadLimits limits;
  for (const char* bad : {
           "GET /x HTTP/1.1\n\r\n",                          // bare LF
           "GET /x HTTP/2\r\n\r\n",                          // version
           "GET x HTTP/1.1\r\n\r\n",                         // not origin form
           "GET /a b HTTP/1.1\r\n\r\n",                      // space in target
           "GET /x HTTP/1.1\r\n folded\r\n\r\n",             // obs-fold
           "GET /x HTTP/1.1\r\nNo colon\r\n\r\n",            // not NAME: VALUE
           "GET /x HTTP/1.1\r\nA: b\x01\r\n\r\n",            // control byte
           "GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",  // two hosts
           "GET /x HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\n",
       }) {
    EXPECT_FALSE(ParseRequestHead(bad, limits).ok()) << bad;
  }
}

TEST(MessageHead, EnforcesItsLimits) {
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 65; ++i) many += "A" + std::to_string(i) + ": b\r\n";
  many += "\r\n";
  auto head = ParseRequestHead(many, {});
  ASSERT_FALSE(head.ok());
  EXPECT_NE(head.error().message().find("more than 64 header fields"), std::string::npos);
  const std::string big = "GET / HTTP/1.1\r\nA: " + std::string(20000, 'b') + "\r\n\r\n";
  EXPECT_FALSE(ParseRequestHead(big, {}).ok());
}

TEST(MessageHead, ParsesAResponseAndItsLength) {
  auto head = ParseResponseHead("HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\n\r\n", {});
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->status, 206);
  EXPECT_EQ(*ParseContentLength(*head->fields.Find("content-length"), 100), 10u);
  EXPECT_FALSE(ParseContentLength("101", 100).ok());
  EXPECT_FALSE(ParseContentLength("-1", 100).ok());
  EXPECT_FALSE(ParseContentLength("99999999999999999999999", 100).ok());
  EXPECT_FALSE(ParseResponseHead("HTTP/1.1 2x0 OK\r\n\r\n", {}).ok());
  EXPECT_TRUE(ParseResponseHead("HTTP/1.0 404\r\n\r\n", {}).ok());
}

TEST(MessageHead, FindsTheHeadsEnd) {
  EXPECT_FALSE(HeadEnd("GET / HTTP/1.1\r\n").has_value());
  EXPECT_EQ(HeadEnd("GET / HTTP/1.1\r\n\r\nrest"), 18u);
}

}  // namespace
}  // namespace vigil::http
