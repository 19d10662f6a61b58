#include "ledger/build_logs.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/file.h"
#include "crypto/test_util.h"
#include "ledger/build_entry.h"

namespace vigil::ledger {
namespace {

std::string ReadText(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SanitizeLine, ReplacesBytesOutsidePrintableAsciiAndTab) {
  EXPECT_EQ(SanitizeLine("ok\tfine"), "ok\tfine");
  EXPECT_EQ(SanitizeLine(std::string("a\x1b[31mred\x00\xff", 11)), "a.[31mred..");
  EXPECT_EQ(SanitizeLine("windows\r"), "windows");
}

TEST(SanitizeLine, CutsAndMarksOversizeLines) {
  const std::string line = SanitizeLine(std::string(kMaxLineLength + 10, 'x'));
  EXPECT_EQ(line.substr(0, kMaxLineLength), std::string(kMaxLineLength, 'x'));
  EXPECT_NE(line.find("line cut, 10 more bytes dropped"), std::string::npos);
}

TEST(UtcTimestamp, HasMicroseconds) {
  const auto when =
      std::chrono::system_clock::time_point(std::chrono::microseconds(1'700'000'000'123'456));
  EXPECT_EQ(UtcTimestamp(when), "2023-11-14T22:13:20.123456Z");
}

TEST(CheckBuildId, AcceptsOnlySafeNames) {
  EXPECT_TRUE(CheckBuildId("hello-1.2_3").ok());
  for (const char* bad : {"", ".hidden", "-x", "a/b", "a b", "../x", "é"}) {
    EXPECT_FALSE(CheckBuildId(bad).ok()) << bad;
  }
  EXPECT_FALSE(CheckBuildId(std::string(129, 'a')).ok());
}

TEST(BuildEntry, IsCanonicalJson) {
  BuildEntry entry;
  entry.build_id = "b1";
  entry.builder = {"builder", {"build"}};
  entry.start = "s";
  entry.end = "e";
  entry.lines = 2;
  entry.log_sha256 = std::string(64, 'a');
  entry.closed = true;
  entry.artifacts.push_back({"hello.eif", crypto::FilledDigest(0xbb)});
  const Bytes bytes = SerializeBuildEntry(entry);
  EXPECT_EQ(AsText(bytes),
            "{\"artifacts\":[{\"name\":\"hello.eif\",\"sha256\":\"" + std::string(64, 'b') +
                "\"}],\"build_id\":\"b1\",\"builder\":{\"name\":\"builder\",\"tags\":[\"build\"]},"
                "\"end\":\"e\",\"lines\":2,\"log_sha256\":\"" +
                std::string(64, 'a') +
                "\",\"start\":\"s\",\"status\":\"closed\",\"type\":\"build-log\"}");
  auto label = LabelEntry(bytes);
  ASSERT_TRUE(label.has_value());
  EXPECT_EQ(label->kind, "build-log");
  EXPECT_EQ(label->key, "b1");
}

TEST(BuildEntry, ArtifactsAreChecked) {
  EXPECT_TRUE(ParseArtifact(std::string(64, 'a'), "dist/hello.eif").ok());
  EXPECT_FALSE(ParseArtifact(std::string(64, 'A'), "x").ok());
  EXPECT_FALSE(ParseArtifact(std::string(63, 'a'), "x").ok());
  EXPECT_FALSE(ParseArtifact(std::string(64, 'a'), "../etc/passwd").ok());
  EXPECT_FALSE(ParseArtifact(std::string(64, 'a'), "a b").ok());
}

TEST(PrepareRecord, AcceptsCanonicalRecordsOfTheNamedType) {
  rpc::CallIdentity signer{"signer", {"sign"}};
  auto record = PrepareRecord("signature", R"({"build_id":"b1","type":"signature"})", signer);
  ASSERT_TRUE(record.ok()) << record.error().message();
  EXPECT_EQ(
      AsText(*record),
      R"({"build_id":"b1","submitter":{"name":"signer","tags":["sign"]},"type":"signature"})");
  EXPECT_FALSE(PrepareRecord("signature", R"({"type":"signature","build_id":"b1"})", signer).ok());
  EXPECT_FALSE(PrepareRecord("signature", R"({"type": "signature"})", signer).ok());
  EXPECT_FALSE(PrepareRecord("signature", R"({"type":"other"})", signer).ok());
  EXPECT_FALSE(PrepareRecord("build-log", R"({"type":"build-log"})", signer).ok());
  EXPECT_FALSE(PrepareRecord("signature", R"({"submitter":"me","type":"signature"})", signer).ok());
  EXPECT_FALSE(PrepareRecord("signature", "[1,2]", signer).ok());
  EXPECT_FALSE(PrepareRecord("signature", "not json", signer).ok());
  EXPECT_FALSE(PrepareRecord("Sig", R"({"type":"Sig"})", signer).ok());
}

TEST(BuildLogs, StreamsStampsSyncsAndFinishes) {
  auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-logs-test.");
  ASSERT_TRUE(temp.ok());
  auto logs = BuildLogs::Open(temp->path());
  ASSERT_TRUE(logs.ok());
  ASSERT_TRUE((*logs)->Start("b1", R"({"builder":"first"})").ok());
  EXPECT_FALSE((*logs)->Start("b1", "{}").ok());
  EXPECT_FALSE((*logs)->Start("../b2", "{}").ok());
  auto first = (*logs)->AppendLine("b1", "hello");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 1u);
  ASSERT_TRUE((*logs)->AppendLine("b1", std::string("bin\x01", 4)).ok());
  auto durable = (*logs)->Sync("b1");
  ASSERT_TRUE(durable.ok());
  EXPECT_EQ(*durable, 2u);
  auto running = (*logs)->Running("b1");
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->lines, 2u);
  ASSERT_TRUE((*logs)->Finish("b1", BuildState::kClosed).ok());
  EXPECT_FALSE((*logs)->Running("b1").has_value());
  EXPECT_FALSE((*logs)->AppendLine("b1", "late").ok());
  EXPECT_FALSE((*logs)->Start("b1", "{}").ok());  // ids are used once, even after the end
  fs::path meta = (*logs)->LogPath("b1");
  EXPECT_EQ(ReadText(meta.replace_extension(".meta")), R"({"builder":"first"})");  // unchanged
  const std::string text = ReadText((*logs)->LogPath("b1"));
  ASSERT_EQ(std::count(text.begin(), text.end(), '\n'), 2);
  EXPECT_EQ(text.substr(27, 7), " hello\n");
  EXPECT_EQ(text.substr(34 + 27), " bin.\n");
  EXPECT_EQ((*logs)->Orphans({}), std::vector<std::string>{"b1"});
  EXPECT_TRUE((*logs)->Orphans({"b1"}).empty());
}

// The syncer thread makes lines durable without being asked.
TEST(BuildLogs, LinesBecomeDurableWithoutASync) {
  auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-logs-test.");
  ASSERT_TRUE(temp.ok());
  auto logs = BuildLogs::Open(temp->path());
  ASSERT_TRUE(logs.ok());
  ASSERT_TRUE((*logs)->Start("b1", "{}").ok());
  ASSERT_TRUE((*logs)->AppendLine("b1", "one").ok());
  for (int i = 0; i < 200 && (*logs)->DurableLines("b1") < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ((*logs)->DurableLines("b1"), 1u);
}

}  // namespace
}  // namespace vigil::ledger
