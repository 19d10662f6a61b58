#include "ledger/build_log_protocol.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/test_util.h"
#include "tlog/receipt.h"

namespace vigil::ledger {
namespace {

const std::string kSha(64, 'a');

std::string Why(std::string_view line) {
  auto parsed = ParseBuildLogLine(line);
  EXPECT_FALSE(parsed.ok()) << line;
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.error().code(), ErrorCode::kBadInput);
  return parsed.error().message();
}

// The line a parsed value is written as, without its newline.
std::string Again(const BuildLogLine& line) {
  std::string text;
  switch (line.kind) {
    case BuildLogLineKind::kLog:
      text = FormatLogLine(line.text);
      break;
    case BuildLogLineKind::kSync:
      text = FormatSyncLine();
      break;
    case BuildLogLineKind::kArtifact:
      text = FormatArtifactLine(line.artifact);
      break;
    case BuildLogLineKind::kClose:
      text = FormatCloseLine();
      break;
  }
  EXPECT_TRUE(text.ends_with('\n'));
  text.pop_back();
  return text;
}

TEST(BuildLogProtocol, WritesTheBuildersLines) {
  EXPECT_EQ(FormatLogLine("compiling"), "log compiling\n");
  EXPECT_EQ(FormatSyncLine(), "sync\n");
  EXPECT_EQ(FormatArtifactLine({"dist/hello.eif", crypto::FilledDigest(0xaa)}),
            "artifact " + kSha + " dist/hello.eif\n");
  EXPECT_EQ(FormatCloseLine(), "close\n");
  EXPECT_EQ(FormatAck(12), "ack 12\n");
  EXPECT_EQ(FormatReceiptAnswer("proof\nlines\n"), "receipt\nproof\nlines\n");
}

TEST(BuildLogProtocol, RoundTrips) {
  for (const std::string& line :
       std::vector<std::string>{"log compiling \x01\r\t", "log ", "sync", "close",
                                "artifact " + kSha + " dist/hello.eif"}) {
    auto parsed = ParseBuildLogLine(line);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message();
    EXPECT_EQ(Again(*parsed), line);
  }
  auto artifact = ParseBuildLogLine("artifact " + kSha + " a/b+c_1.0-x");
  ASSERT_TRUE(artifact.ok());
  EXPECT_EQ(artifact->kind, BuildLogLineKind::kArtifact);
  EXPECT_EQ(artifact->artifact.name, "a/b+c_1.0-x");
  EXPECT_EQ(artifact->artifact.hex(), kSha);
}

TEST(BuildLogProtocol, ABareLogIsAnEmptyLine) {
  auto parsed = ParseBuildLogLine("log");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->kind, BuildLogLineKind::kLog);
  EXPECT_EQ(parsed->text, "");
}

TEST(BuildLogProtocol, RefusesEveryMalformedLine) {
  const std::string send = "': send `log TEXT`, `artifact SHA256 NAME`, `sync` or `close`";
  EXPECT_EQ(Why(""), "unknown line '" + send);
  EXPECT_EQ(Why("sync "), "unknown line 'sync " + send);
  EXPECT_EQ(Why("close now"), "unknown line 'close now" + send);
  EXPECT_EQ(Why("Log x"), "unknown line 'Log x" + send);
  EXPECT_EQ(Why("logx"), "unknown line 'logx" + send);
  EXPECT_EQ(Why("artifact"), "unknown line 'artifact" + send);
  EXPECT_EQ(Why(std::string("\x1b[2J\0x", 6)), "unknown line '.[2J.x" + send);
  EXPECT_EQ(Why(std::string(100, 'z')), "unknown line '" + std::string(40, 'z') + send);
  EXPECT_EQ(Why("artifact " + kSha), "an artifact line is `artifact SHA256 NAME`");
  EXPECT_EQ(Why("artifact " + std::string(64, 'A') + " x"),
            "an artifact's SHA-256 must be 64 lowercase hex digits");
  EXPECT_EQ(Why("artifact " + std::string(63, 'a') + " x"),
            "an artifact's SHA-256 must be 64 lowercase hex digits");
  const std::string bad_name = "invalid artifact name: use 1-255 of A-Z a-z 0-9 . _ + / -, no '..'";
  EXPECT_EQ(Why("artifact " + kSha + " "), bad_name);
  EXPECT_EQ(Why("artifact " + kSha + " ../etc/passwd"), bad_name);
  EXPECT_EQ(Why("artifact " + kSha + " a b"), bad_name);
  EXPECT_EQ(Why("artifact " + kSha + " " + std::string(256, 'n')), bad_name);
  EXPECT_TRUE(ParseBuildLogLine("artifact " + kSha + " " + std::string(255, 'n')).ok());
}

TEST(BuildLogProtocol, TheAnswerIsAcksThenTheReceipt) {
  BuildLogAnswerReader reader;
  ASSERT_TRUE(reader.Append("ack 1\nack 2").ok());
  EXPECT_EQ(reader.acked(), 1u);
  EXPECT_FALSE(reader.Receipt().ok());
  EXPECT_EQ(reader.Receipt().error().message(), "the ledger answered no receipt");
  ASSERT_TRUE(reader.Append("0\nreceipt\nfirst line\n").ok());
  EXPECT_EQ(reader.acked(), 20u);
  ASSERT_TRUE(reader.Append("ack 3\nrest").ok());  // inside the receipt: not an ack
  ASSERT_TRUE(reader.Receipt().ok());
  EXPECT_EQ(*reader.Receipt(), "first line\nack 3\nrest");
}

TEST(BuildLogProtocol, TheAnswerRefusesOtherLines) {
  for (const std::string& answer : std::vector<std::string>{
           "hello\n", "ack\n", "ack 01\n", "ack -1\n", "ack 1 \n", "ack 99999999999999999999\n",
           "receipt \n", " receipt\n", "ack " + std::string(100, '1') + "\n"}) {
    BuildLogAnswerReader reader;
    Status appended = reader.Append(answer);
    ASSERT_FALSE(appended.ok()) << answer;
    EXPECT_TRUE(appended.error().message().starts_with("the ledger answered an unknown line '"))
        << appended.error().message();
  }
  BuildLogAnswerReader reader;
  EXPECT_EQ(reader.Append("hi\x1b\n").error().message(),
            "the ledger answered an unknown line 'hi.' (expected `ack N` or `receipt`)");
}

TEST(BuildLogProtocol, TheReceiptIsBounded) {
  BuildLogAnswerReader reader;
  ASSERT_TRUE(reader.Append("receipt\n" + std::string(tlog::kMaxReceiptSize, 'r')).ok());
  Status over = reader.Append("r");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().message(), "the ledger's receipt is longer than 1048576 bytes");
}

}  // namespace
}  // namespace vigil::ledger
