// BuildLogs with its archive in a real PostgreSQL 15 (pg/build_log_table.h): what ledgers
// sharing one log rely on when the sequencer's host is lost.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "base/file.h"
#include "ledger/build_logs.h"
#include "pg/lease.h"
#include "pg/test_cluster.h"

namespace vigil::ledger {
namespace {

using std::chrono::milliseconds;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class BuildLogsArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = pg::SharedTestCluster();
    ASSERT_TRUE(cluster.ok()) << cluster.error().message();
    std::string schema = "logs_";
    for (const char c :
         std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      schema += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto url = (*cluster)->CreateDatabase(schema.substr(0, 63));
    ASSERT_TRUE(url.ok()) << url.error().message();
    session_.url = *url;
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-build-logs-pg.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    auto connection = pg::Connection::Open(session_);
    ASSERT_TRUE(connection.ok()) << connection.error().message();
    lease_connection_ = std::move(connection).value();
    ASSERT_TRUE(pg::CreateLeaseSchema(*lease_connection_).ok());
  }

  // A ledger that takes the lease (from whoever held it) and opens its logs in DIR/NAME.
  std::unique_ptr<BuildLogs> Sequencer(const std::string& name) {
    if (lease_) {
      EXPECT_TRUE(pg::ReleaseLease(*lease_connection_, *lease_).ok());
    }
    auto lease = pg::AcquireLease(*lease_connection_, name, milliseconds(60000));
    EXPECT_TRUE(lease.ok()) << lease.error().message();
    lease_ = *lease;
    return Open(name, lease_->epoch);
  }
  std::unique_ptr<BuildLogs> Open(const std::string& name, std::int64_t epoch) {
    auto archive = pg::BuildLogTable::Open(session_, epoch);
    EXPECT_TRUE(archive.ok()) << archive.error().message();
    auto logs = BuildLogs::Open(temp_->path() / name, std::move(archive).value());
    EXPECT_TRUE(logs.ok());
    return std::move(logs).value();
  }
  std::string Archived(const std::string& id) {
    auto table = pg::BuildLogTable::Open(session_, 0);
    EXPECT_TRUE(table.ok());
    std::string text;
    Status read = (*table)->ReadText(id, [&](ByteView bytes) {
      text += AsText(bytes);
      return OkStatus();
    });
    EXPECT_TRUE(read.ok()) << read.error().message();
    return text;
  }

  pg::SessionSettings session_;
  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<pg::Connection> lease_connection_;
  std::optional<pg::Lease> lease_;
};

TEST_F(BuildLogsArchiveTest, AnAcknowledgedLineIsInTheArchive) {
  auto logs = Sequencer("a");
  ASSERT_TRUE(logs->Start("b1", R"({"start":"s"})").ok());
  ASSERT_TRUE(logs->AppendLine("b1", "one").ok());
  ASSERT_TRUE(logs->AppendLine("b1", "two").ok());
  auto durable = logs->Sync("b1");
  ASSERT_TRUE(durable.ok()) << durable.error().message();
  EXPECT_EQ(*durable, 2u);
  EXPECT_EQ(Archived("b1"), ReadText(logs->LogPath("b1")));
  ASSERT_TRUE(logs->Finish("b1", BuildState::kClosed).ok());
}

TEST_F(BuildLogsArchiveTest, TheNextSequencerRestoresWhatTheLastLeftRunning) {
  auto a = Sequencer("a");
  ASSERT_TRUE(a->Start("b1", R"({"builder":{"name":"builder-1"}})").ok());
  ASSERT_TRUE(a->AppendLine("b1", "acknowledged").ok());
  ASSERT_TRUE(a->Sync("b1").ok());
  const std::string acknowledged = ReadText(a->LogPath("b1"));
  ASSERT_TRUE(a->Start("b2", "{}").ok());
  ASSERT_TRUE(a->Finish("b2", BuildState::kClosed).ok());

  auto b = Sequencer("b");  // a is fenced from here on
  auto restored = b->RestoreRunning();
  ASSERT_TRUE(restored.ok()) << restored.error().message();
  EXPECT_EQ(*restored, std::vector<std::string>{"b1"});
  EXPECT_EQ(ReadText(b->LogPath("b1")), acknowledged);
  fs::path meta = b->LogPath("b1");
  EXPECT_EQ(ReadText(meta.replace_extension(".meta")), R"({"builder":{"name":"builder-1"}})");
  ASSERT_TRUE(b->MarkTruncated("b1").ok());
  auto again = b->RestoreRunning();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST_F(BuildLogsArchiveTest, AFencedSequencerAddsNothing) {
  auto a = Sequencer("a");
  ASSERT_TRUE(a->Start("b1", "{}").ok());
  ASSERT_TRUE(a->AppendLine("b1", "before").ok());
  ASSERT_TRUE(a->Sync("b1").ok());
  const std::string before = Archived("b1");
  auto b = Sequencer("b");
  ASSERT_TRUE(a->AppendLine("b1", "after the takeover").ok());  // the local file only
  auto synced = a->Sync("b1");
  ASSERT_FALSE(synced.ok());
  EXPECT_NE(synced.error().message().find("fenced"), std::string::npos) << synced.error().message();
  EXPECT_EQ(a->DurableLines("b1"), 1u);  // never acknowledged
  EXPECT_FALSE(a->Start("b3", "{}").ok());
  EXPECT_FALSE(a->Finish("b1", BuildState::kClosed).ok());
  EXPECT_EQ(Archived("b1"), before);
  auto restored = b->RestoreRunning();
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(*restored, std::vector<std::string>{"b1"});
}

TEST_F(BuildLogsArchiveTest, AHostThatComesBackTakesTheTextTheBuildWasEndedWith) {
  auto a = Sequencer("a");
  ASSERT_TRUE(a->Start("b1", "{}").ok());
  ASSERT_TRUE(a->AppendLine("b1", "stored").ok());
  ASSERT_TRUE(a->Sync("b1").ok());
  auto b = Sequencer("b");
  ASSERT_TRUE(a->AppendLine("b1", "never stored").ok());  // a's own copy only
  ASSERT_NE(ReadText(a->LogPath("b1")), Archived("b1"));
  a.reset();  // a's host goes down
  ASSERT_TRUE(b->RestoreRunning().ok());
  ASSERT_TRUE(b->MarkTruncated("b1").ok());

  auto back = Open("a", 0);  // a again, as a standby
  Status replaced = back->ReplaceStale();
  ASSERT_TRUE(replaced.ok()) << replaced.error().message();
  EXPECT_EQ(ReadText(back->LogPath("b1")), Archived("b1"));
  EXPECT_EQ(ReadText(back->LogPath("b1")), ReadText(b->LogPath("b1")));
}

TEST_F(BuildLogsArchiveTest, BuildIdsAreUsedOnceAcrossLedgers) {
  auto a = Sequencer("a");
  ASSERT_TRUE(a->Start("b1", "{}").ok());
  ASSERT_TRUE(a->Finish("b1", BuildState::kClosed).ok());
  auto b = Sequencer("b");
  Status again = b->Start("b1", "{}");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("used once"), std::string::npos);
  EXPECT_FALSE(fs::exists(b->LogPath("b1")));
  fs::path meta = b->LogPath("b1");
  EXPECT_FALSE(fs::exists(meta.replace_extension(".meta")));
  EXPECT_FALSE(b->Running("b1").has_value());
}

TEST_F(BuildLogsArchiveTest, ALogAnotherLedgerFinishedIsReadFromTheArchive) {
  auto a = Sequencer("a");
  ASSERT_TRUE(a->Start("b1", "{}").ok());
  ASSERT_TRUE(a->AppendLine("b1", "built").ok());
  ASSERT_TRUE(a->Finish("b1", BuildState::kClosed).ok());
  ASSERT_TRUE(a->Start("b2", "{}").ok());
  auto b = Sequencer("b");
  auto restored = b->RestoreFinished("b1");
  ASSERT_TRUE(restored.ok()) << restored.error().message();
  EXPECT_TRUE(*restored);
  EXPECT_EQ(ReadText(b->LogPath("b1")), ReadText(a->LogPath("b1")));
  auto running = b->RestoreFinished("b2");  // still running: not a finished log
  ASSERT_TRUE(running.ok());
  EXPECT_FALSE(*running);
  auto unknown = b->RestoreFinished("nope");
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(*unknown);
}

TEST_F(BuildLogsArchiveTest, AReadOnlyArchiveWritesNothing) {
  auto logs = Open("standby", 0);
  Status started = logs->Start("b1", "{}");
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.error().message().find("does not hold the sequencer lease"), std::string::npos);
  EXPECT_FALSE(fs::exists(logs->LogPath("b1")));
}

}  // namespace
}  // namespace vigil::ledger
