#include "builder/build_answer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vigil::builder {
namespace {

BuildResult Example() {
  return {"hello-20261203T140000Z-0a1b2c3d",
          "hello",
          "1.2.0",
          "0123456789abcdef0123456789abcdef01234567",
          42,
          "/srv/repo/testing/hello/hello-20261203T140000Z-0a1b2c3d",
          "SHA256:abc"};
}

// The part of a refusal after "the builder's answer: ".
std::string Why(std::string_view line) {
  auto parsed = ParseBuildAnswerLine(line);
  EXPECT_FALSE(parsed.ok()) << line;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.error().code(), ErrorCode::kBadInput);
  const std::string& message = parsed.error().message();
  const std::string prefix = "the builder's answer: ";
  EXPECT_TRUE(message.starts_with(prefix)) << message;
  return message.substr(prefix.size());
}

TEST(BuildAnswer, WritesTheBytesTheCliReads) {
  EXPECT_EQ(FormatBuildStarted("hello-1"), "build hello-1\n");
  EXPECT_EQ(FormatBuildLog("source: fetching x"), "log source: fetching x\n");
  EXPECT_EQ(FormatBuildLog(""), "log \n");
  // The members sorted, no whitespace: what nlohmann's dump() of the same object wrote.
  EXPECT_EQ(FormatBuildResult(Example()),
            "result {\"build_id\":\"hello-20261203T140000Z-0a1b2c3d\",\"commit\":"
            "\"0123456789abcdef0123456789abcdef01234567\",\"component\":\"hello\",\"key_id\":"
            "\"SHA256:abc\",\"ledger_index\":42,\"published\":"
            "\"/srv/repo/testing/hello/hello-20261203T140000Z-0a1b2c3d\",\"version\":\"1.2.0\"}\n");
}

TEST(BuildAnswer, RoundTrips) {
  for (const std::string& formatted :
       {FormatBuildStarted("hello-1"), FormatBuildLog("any \x01 bytes\r but a newline"),
        FormatBuildLog(""), FormatBuildResult(Example())}) {
    auto parsed = ParseBuildAnswerLine(std::string_view(formatted).substr(0, formatted.size() - 1));
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    std::string again;
    switch (parsed->kind) {
      case BuildAnswerLine::Kind::kBuild:
        again = FormatBuildStarted(parsed->text);
        break;
      case BuildAnswerLine::Kind::kLog:
        again = FormatBuildLog(parsed->text);
        break;
      case BuildAnswerLine::Kind::kResult:
        EXPECT_EQ(parsed->result, Example());
        again = FormatBuildResult(parsed->result);
        break;
    }
    EXPECT_EQ(again, formatted);
  }
}

TEST(BuildAnswer, PrettyJsonForTheCli) {
  const std::string pretty = BuildResultJson(Example(), 2);
  EXPECT_TRUE(pretty.starts_with("{\n  \"build_id\": \"hello-20261203T140000Z-0a1b2c3d\",\n"));
  EXPECT_NE(pretty.find("\n  \"ledger_index\": 42,\n"), std::string::npos);
}

TEST(BuildAnswer, RefusesEveryMalformedLine) {
  EXPECT_EQ(Why("hello"), "unknown line 'hello': expected `build ID`, `log TEXT` or `result JSON`");
  EXPECT_EQ(Why("log"), "unknown line 'log': expected `build ID`, `log TEXT` or `result JSON`");
  EXPECT_EQ(Why("LOG x"), "unknown line 'LOG x': expected `build ID`, `log TEXT` or `result JSON`");
  EXPECT_EQ(Why("\x1b[2Jx"),
            "unknown line '\\x1b[2Jx': expected `build ID`, `log TEXT` or `result JSON`");
  EXPECT_EQ(Why("build "), "invalid build id '': 1-128 of A-Z a-z 0-9 . _ -");
  EXPECT_EQ(Why("build a b"), "invalid build id 'a b': 1-128 of A-Z a-z 0-9 . _ -");
  EXPECT_EQ(Why("build a/../b"), "invalid build id 'a/../b': 1-128 of A-Z a-z 0-9 . _ -");
  EXPECT_EQ(Why("build " + std::string(129, 'a')).substr(0, 19), "invalid build id 'a");
  EXPECT_TRUE(Why("result {").starts_with("the result"));
  EXPECT_TRUE(Why("result [1]").starts_with("the result must be an object"));
  EXPECT_TRUE(Why("result {\"a\":{}}").starts_with("the result: nesting deeper"));
}

TEST(BuildAnswer, RefusesAResultThatIsNotExactlyOne) {
  const std::string good = BuildResultJson(Example());
  auto with = [&](std::string from, std::string to) {
    std::string text = good;
    text.replace(text.find(from), from.size(), to);
    return "result " + text;
  };
  EXPECT_EQ(Why(with("\"key_id\":\"SHA256:abc\",", "")),
            "the result must be an object with exactly the members build_id, commit, component, "
            "key_id, ledger_index, published and version");
  EXPECT_EQ(Why(with("\"key_id\"", "\"key\"")), "the result's \"key_id\" must be a string");
  EXPECT_EQ(Why(with("\"1.2.0\"", "120")), "the result's \"version\" must be a string");
  EXPECT_EQ(Why(with("42", "-1")), "the result's \"ledger_index\" must be an unsigned integer");
  EXPECT_EQ(Why(with("42", "4.2")), "the result's \"ledger_index\" must be an unsigned integer");
  EXPECT_EQ(Why(with("42", "\"42\"")), "the result's \"ledger_index\" must be an unsigned integer");
  EXPECT_EQ(Why(with("\"hello-20261203T140000Z-0a1b2c3d\"", "\"a b\"")),
            "the result's \"build_id\" is not a build id");
  EXPECT_EQ(Why(with(":42", ": 42")), "the result is not canonical JSON");
  EXPECT_TRUE(Why(with("\"commit\"", "\"version\":\"x\",\"commit\""))
                  .starts_with("the result: the key \"version\" appears twice"));
  EXPECT_EQ(Why(with("\"SHA256:abc\"", "\"" + std::string(4097, 'k') + "\"")),
            "the result's \"key_id\" is longer than 4096 bytes");
}

TEST(BuildAnswer, TheReaderSplitsChunksAndBoundsLines) {
  BuildAnswerReader reader;
  const std::string answer = FormatBuildStarted("hello-1") + FormatBuildLog("one") +
                             FormatBuildLog(std::string(kMaxBuildAnswerLine + 10, 'x')) +
                             FormatBuildResult(Example());
  std::vector<BuildAnswerLine> lines;
  for (std::size_t at = 0; at < answer.size(); at += 4096) {
    reader.Append(std::string_view(answer).substr(at, 4096));
    while (true) {
      auto next = reader.Next();
      ASSERT_TRUE(next.ok()) << next.error().message();
      if (!next->has_value()) break;
      lines.push_back(std::move(**next));
    }
  }
  EXPECT_FALSE(reader.InsideLine());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].text, "hello-1");
  EXPECT_EQ(lines[1].text, "one");
  // Cut once more than the bound was buffered without a newline.
  EXPECT_GT(lines[2].text.size(), kMaxBuildAnswerLine - 4);
  EXPECT_LE(lines[2].text.size(), kMaxBuildAnswerLine + 4096);
  EXPECT_EQ(lines[2].text.find_first_not_of('x'), std::string::npos);
  EXPECT_EQ(lines[3].result, Example());

  BuildAnswerReader huge;
  huge.Append("result " + std::string(kMaxBuildAnswerLine, ' '));
  auto refused = huge.Next();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message(), "the builder's answer: a line longer than 1048576 bytes");

  BuildAnswerReader partial;
  partial.Append("log unfinished");
  EXPECT_FALSE(partial.Next()->has_value());
  EXPECT_TRUE(partial.InsideLine());
}

}  // namespace
}  // namespace vigil::builder
