#include "pg/log_storage.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "base/file.h"
#include "pg/lease.h"
#include "pg/session.h"
#include "pg/test_cluster.h"
#include "tlog/hash.h"
#include "tlog/note.h"
#include "tlog/receipt.h"
#include "tlog/verify.h"

namespace vigil::pg {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

Bytes Entry(std::uint64_t i) {
  const std::string text = "build " + std::to_string(i);
  return Bytes(text.begin(), text.end());
}

// Every entry is a "build" labelled with its own text.
tlog::EntryClassifier Classifier() {
  return [](ByteView entry) -> std::optional<tlog::EntryLabel> {
    return tlog::EntryLabel{"build", std::string(entry.begin(), entry.end())};
  };
}

class LogStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = SharedTestCluster();
    ASSERT_TRUE(cluster.ok()) << cluster.error().message();
    cluster_ = *cluster;
    std::string db = "log_";
    for (const char c :
         std::string(::testing::UnitTest::GetInstance()->current_test_info()->name())) {
      db += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto url = cluster_->CreateDatabase(db);
    ASSERT_TRUE(url.ok()) << url.error().message();
    session_.url = *url;
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-pg-log-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    key_dir_ = temp_->path() / "key";
    Status made = InitLog(session_, key_dir_, "example.com/pg-log");
    ASSERT_TRUE(made.ok()) << made.error().message();
    auto connection = Connection::Open(session_);
    ASSERT_TRUE(connection.ok());
    lease_connection_ = std::move(connection).value();
  }

  Lease Acquire(const std::string& holder, milliseconds ttl = milliseconds(60000)) {
    auto lease = AcquireLease(*lease_connection_, holder, ttl);
    EXPECT_TRUE(lease.ok()) << lease.error().message();
    return lease.ok() ? *lease : Lease{};
  }

  std::unique_ptr<tlog::LogStore> Open(std::int64_t epoch) {
    auto backend = OpenLogBackend(session_, key_dir_, epoch);
    EXPECT_TRUE(backend.ok()) << backend.error().message();
    if (!backend.ok()) return nullptr;
    auto store = tlog::LogStore::OpenBackend(std::move(backend).value(), Classifier());
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  static void Append(tlog::LogStore& store, std::uint64_t from, std::uint64_t count) {
    std::vector<Bytes> batch;
    for (std::uint64_t i = from; i < from + count; ++i) batch.push_back(Entry(i));
    auto first = store.AppendBatch(batch);
    ASSERT_TRUE(first.ok()) << first.error().message();
    EXPECT_EQ(*first, from);
  }

  // Every entry's receipt verifies against the log's key, and the tree is consistent.
  static void ExpectProven(const tlog::LogStore& store, std::uint64_t size) {
    ASSERT_EQ(store.size(), size);
    auto verifier = tlog::NoteVerifier::Parse(store.verifier_key());
    ASSERT_TRUE(verifier.ok());
    for (std::uint64_t i = 0; i < size; i += 97) {
      auto text = store.Receipt(i);
      ASSERT_TRUE(text.ok()) << text.error().message();
      auto receipt = tlog::ParseReceipt(*text);
      ASSERT_TRUE(receipt.ok());
      EXPECT_TRUE(tlog::VerifyReceipt(*receipt, Entry(i), *verifier, store.origin()).ok());
    }
    EXPECT_TRUE(store.ConsistencyProof(size / 3, size).ok());
    auto fsck = store.Fsck();
    ASSERT_TRUE(fsck.ok()) << fsck.error().message();
    EXPECT_EQ(fsck->size, size);
  }

  TestCluster* cluster_ = nullptr;
  SessionSettings session_;
  std::unique_ptr<TempDir> temp_;
  fs::path key_dir_;
  std::unique_ptr<Connection> lease_connection_;
};

TEST_F(LogStorageTest, AppendsReopensAndProves) {
  const Lease lease = Acquire("ledger-a");
  {
    auto store = Open(lease.epoch);
    ASSERT_NE(store, nullptr);
    Append(*store, 0, 1);
    Append(*store, 1, 300);  // completes the first tile and bundle
    Append(*store, 301, 5);
    ExpectProven(*store, 306);
  }
  auto store = Open(lease.epoch);
  ASSERT_NE(store, nullptr);
  ExpectProven(*store, 306);
  Append(*store, 306, 250);
  ExpectProven(*store, 556);
  auto found = store->FindByLabel({"build", "build 300"});
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(*found, std::vector<std::uint64_t>{300});
  auto by_hash = store->FindByLeafHash(tlog::LeafHash(Entry(555)));
  ASSERT_TRUE(by_hash.ok());
  EXPECT_EQ(*by_hash, std::optional<std::uint64_t>(555));
  // A full tile's partial versions are gone; the served tiles are those of the tree.
  EXPECT_TRUE(store->ReadTile("tile/0/000").ok());
  EXPECT_FALSE(store->ReadTile("tile/0/000.p/5").ok());
  Status partials = Guard(*lease_connection_, "counting", [&]() -> Status {
    pqxx::work work(*lease_connection_->impl().conn);
    EXPECT_EQ(work.exec1("SELECT count(*) FROM log_tiles WHERE path LIKE 'tile/0/000.p/%'"
                         " OR path LIKE 'tile/entries/000.p/%'")[0]
                  .as<int>(),
              0);
    EXPECT_EQ(work.exec1("SELECT count(*) FROM log_entries")[0].as<int>(), 556);
    return OkStatus();
  });
  EXPECT_TRUE(partials.ok());
  EXPECT_TRUE(store->ReadTile("tile/entries/002.p/44").ok());
}

TEST_F(LogStorageTest, InitRefusesADatabaseThatHoldsALog) {
  Status again = InitLog(session_, temp_->path() / "other-key", "example.com/other");
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("already holds a log"), std::string::npos);
  EXPECT_FALSE(fs::exists(temp_->path() / "other-key"));
  auto holds = HoldsLog(session_);
  ASSERT_TRUE(holds.ok());
  EXPECT_TRUE(*holds);
}

TEST_F(LogStorageTest, AStaleSequencerIsFencedAndNoIndexIsNumberedTwice) {
  const Lease first = Acquire("ledger-a", milliseconds(200));
  auto old_store = Open(first.epoch);
  ASSERT_NE(old_store, nullptr);
  Append(*old_store, 0, 10);
  std::this_thread::sleep_for(milliseconds(300));
  const Lease second = Acquire("ledger-b");
  ASSERT_EQ(second.epoch, first.epoch + 1);
  auto new_store = Open(second.epoch);
  ASSERT_NE(new_store, nullptr);
  Append(*new_store, 10, 5);
  // The old sequencer's session is alive and its store still believes the tree has 10
  // entries: its batch is refused, whatever it would number.
  auto stale = old_store->AppendBatch(std::vector<Bytes>{Entry(99)});
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.error().message().find("fenced"), std::string::npos) << stale.error().message();
  ExpectProven(*new_store, 15);
  // Even with the lease's check passed, the checkpoint row only moves from the size the
  // batch builds on, and the index is UNIQUE: an index numbered twice cannot commit.
  auto same_epoch = Open(second.epoch);
  ASSERT_NE(same_epoch, nullptr);
  Append(*new_store, 15, 1);
  auto behind = same_epoch->AppendBatch(std::vector<Bytes>{Entry(77)});
  ASSERT_FALSE(behind.ok());
  EXPECT_NE(behind.error().message().find("no longer at size 15"), std::string::npos)
      << behind.error().message();
  Status twice =
      lease_connection_->Exec("INSERT INTO log_entries (idx, leaf_hash) VALUES (3, '\\x00')");
  EXPECT_FALSE(twice.ok());
}

TEST_F(LogStorageTest, WithoutTheLeaseNothingIsAppended) {
  auto store = Open(0);
  ASSERT_NE(store, nullptr);
  auto refused = store->AppendBatch(std::vector<Bytes>{Entry(0)});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("without the sequencer lease"), std::string::npos);
  EXPECT_EQ(store->size(), 0u);
}

TEST_F(LogStorageTest, TilesBeyondTheCheckpointAreIgnoredThenOverwritten) {
  const Lease lease = Acquire("ledger-a");
  auto store = Open(lease.epoch);
  ASSERT_NE(store, nullptr);
  Append(*store, 0, 3);
  store.reset();
  // What an interrupted batch of a file log leaves: a bundle and a tile beyond the tree.
  ASSERT_TRUE(lease_connection_
                  ->Exec("INSERT INTO log_tiles (path, data) VALUES"
                         " ('tile/entries/000.p/4', '\\x0001ff'), ('tile/0/000.p/4', '\\x00')")
                  .ok());
  store = Open(lease.epoch);
  ASSERT_NE(store, nullptr);
  ExpectProven(*store, 3);
  EXPECT_FALSE(store->ReadTile("tile/entries/000.p/4").ok());
  Append(*store, 3, 1);
  ExpectProven(*store, 4);
}

TEST_F(LogStorageTest, SurvivesAServerCrash) {
  const Lease lease = Acquire("ledger-a");
  auto store = Open(lease.epoch);
  ASSERT_NE(store, nullptr);
  Append(*store, 0, 20);
  ASSERT_TRUE(cluster_->CrashAndRestart().ok());
  // The first call after the crash finds the session gone; the store reconnects after it.
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto first = store->AppendBatch(std::vector<Bytes>{Entry(20)});
    if (first.ok()) break;
  }
  auto reopened = Open(lease.epoch);
  ASSERT_NE(reopened, nullptr);
  ExpectProven(*reopened, 21);
}

TEST_F(LogStorageTest, AReaderBesideTheSequencerFollowsItAndRefusesARollback) {
  const Lease lease = Acquire("ledger-a");
  auto writer = Open(lease.epoch);
  ASSERT_NE(writer, nullptr);
  Append(*writer, 0, 10);
  const std::string old_note = writer->checkpoint();
  auto backend = OpenLogBackend(session_, key_dir_, 0);
  ASSERT_TRUE(backend.ok());
  auto reader = tlog::LogStore::OpenBackendReadOnly(std::move(backend).value());
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  EXPECT_EQ((*reader)->size(), 10u);
  EXPECT_FALSE((*reader)->AppendBatch(std::vector<Bytes>{Entry(99)}).ok());

  Append(*writer, 10, 290);  // completes a tile: its partial versions are deleted
  ASSERT_TRUE((*reader)->Refresh(milliseconds(0)).ok());
  EXPECT_EQ((*reader)->checkpoint(), writer->checkpoint());
  ExpectProven(**reader, 300);
  auto found = (*reader)->FindByLabel({"build", "build 250"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(*found, std::vector<std::uint64_t>{250});
  Append(*writer, 300, 1);
  ASSERT_TRUE((*reader)->Refresh(milliseconds(60000)).ok());  // refreshed just now: no read
  EXPECT_EQ((*reader)->size(), 300u);

  // The checkpoint row put back to the tree of 10: the reader keeps serving 300.
  auto connection = Connection::Open(session_);
  ASSERT_TRUE(connection.ok());
  std::string quoted;
  for (const char c : old_note) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  ASSERT_TRUE(
      (*connection)
          ->Exec("UPDATE log_checkpoint SET size = 10, note = '" + quoted + "' WHERE id = 1")
          .ok());
  Status rolled_back = (*reader)->Refresh(milliseconds(0));
  ASSERT_FALSE(rolled_back.ok());
  EXPECT_NE(rolled_back.error().message().find("rolled-back or forked"), std::string::npos)
      << rolled_back.error().message();
  EXPECT_EQ((*reader)->size(), 300u);
}

}  // namespace
}  // namespace vigil::pg
