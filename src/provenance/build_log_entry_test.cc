// The build-log entry codec: what the ledger writes is read back to the same values, and
// only an entry spelt exactly as the writer spells it is read.
#include "provenance/build_log_entry.h"

#include <gtest/gtest.h>

#include "crypto/test_util.h"

namespace vigil::provenance {
namespace {

LoggedBuild Example() {
  LoggedBuild build;
  build.build_id = "hello-20261122T100000Z-0a1b2c3d";
  build.builder_name = "builder-1";
  build.builder_tags = {"builder", "x86"};
  build.start = "2026-11-22T10:00:00.000000Z";
  build.end = "2026-11-22T10:01:00.000000Z";
  build.lines = 42;
  build.log_sha256 = std::string(64, 'd');
  build.status = "closed";
  build.artifacts = {{"dist/hello.eif", crypto::FilledDigest(0xaa)},
                     {"SHA256SUMS", crypto::FilledDigest(0xbb)}};
  return build;
}

TEST(BuildLogEntryTest, WritesCanonicalJsonAndReadsItBack) {
  const LoggedBuild build = Example();
  const Bytes bytes = SerializeBuildLogEntry(build);
  EXPECT_EQ(AsText(bytes),
            "{\"artifacts\":[{\"name\":\"dist/hello.eif\",\"sha256\":\"" + std::string(64, 'a') +
                "\"},{\"name\":\"SHA256SUMS\",\"sha256\":\"" + std::string(64, 'b') +
                "\"}],\"build_id\":\"hello-20261122T100000Z-0a1b2c3d\",\"builder\":{\"name\":"
                "\"builder-1\",\"tags\":[\"builder\",\"x86\"]},\"end\":\"2026-11-22T10:01:00."
                "000000Z\",\"lines\":42,\"log_sha256\":\"" +
                std::string(64, 'd') +
                "\",\"start\":\"2026-11-22T10:00:00.000000Z\",\"status\":\"closed\",\"type\":"
                "\"build-log\"}");
  auto read = ParseBuildLogEntry(bytes);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->build_id, build.build_id);
  EXPECT_EQ(read->builder_name, build.builder_name);
  EXPECT_EQ(read->builder_tags, build.builder_tags);
  EXPECT_EQ(read->start, build.start);
  EXPECT_EQ(read->end, build.end);
  EXPECT_EQ(read->lines, build.lines);
  EXPECT_EQ(read->log_sha256, build.log_sha256);
  EXPECT_EQ(read->status, build.status);
  ASSERT_EQ(read->artifacts.size(), 2u);
  EXPECT_EQ(read->artifacts[1].name, "SHA256SUMS");
  EXPECT_EQ(read->artifacts[1].sha256, crypto::FilledDigest(0xbb));
  EXPECT_EQ(SerializeBuildLogEntry(*read), bytes);
}

TEST(BuildLogEntryTest, ATruncatedBuildWithoutArtifactsOrTagsRoundTrips) {
  LoggedBuild build = Example();
  build.status = "truncated";
  build.builder_tags.clear();
  build.artifacts.clear();
  const Bytes bytes = SerializeBuildLogEntry(build);
  auto read = ParseBuildLogEntry(bytes);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->status, "truncated");
  EXPECT_TRUE(read->artifacts.empty());
  EXPECT_EQ(SerializeBuildLogEntry(*read), bytes);
}

TEST(BuildLogEntryTest, ReadsOnlyWhatTheWriterWrites) {
  const Bytes written = SerializeBuildLogEntry(Example());
  const std::string text(AsText(written));
  // Another layout, another type, an unknown status, a member the format does not define.
  EXPECT_FALSE(ParseBuildLogEntry(AsBytes(text + "\n")).ok());
  EXPECT_FALSE(ParseBuildLogEntry(AsBytes("{\"type\":\"signature\"}")).ok());
  std::string other = text;
  other.replace(other.find("\"closed\""), 8, "\"open\"");
  EXPECT_FALSE(ParseBuildLogEntry(AsBytes(other)).ok());
  other = text;
  other.replace(other.find("\"type\""), 0, "\"x\":1,");
  EXPECT_FALSE(ParseBuildLogEntry(AsBytes(other)).ok());
  LoggedBuild bad = Example();
  bad.artifacts[0].name = "../etc/passwd";
  EXPECT_FALSE(ParseBuildLogEntry(SerializeBuildLogEntry(bad)).ok());
  bad = Example();
  bad.log_sha256 = std::string(64, 'D');
  EXPECT_FALSE(ParseBuildLogEntry(SerializeBuildLogEntry(bad)).ok());
}

}  // namespace
}  // namespace vigil::provenance
