#include "tlog/tile_client.h"

#include <gtest/gtest.h>

#include "base/file.h"
#include "tlog/fork_check.h"
#include "tlog/store.h"
#include "tlog/tile.h"

namespace vigil::tlog {
namespace {

Bytes ToBytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes Entry(std::uint64_t i) { return ToBytes("entry " + std::to_string(i)); }

// A log served from a LogStore, as the ledger's HTTP API serves it.
class TileClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-tile-client-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    ASSERT_TRUE(LogStore::Init(temp_->path() / "log", "example.com/log").ok());
    auto store = LogStore::Open(temp_->path() / "log");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto verifier = NoteVerifier::Parse(store_->verifier_key());
    ASSERT_TRUE(verifier.ok());
    verifier_.emplace(std::move(verifier).value());
  }
  void Append(std::uint64_t count) {
    std::vector<Bytes> entries;
    for (std::uint64_t i = 0; i < count; ++i) entries.push_back(Entry(store_->size() + i));
    ASSERT_TRUE(store_->AppendBatch(entries).ok());
  }
  Result<Bytes> Serve(const std::string& path) const {
    if (path == "checkpoint") return ToBytes(store_->checkpoint());
    return store_->ReadTile(path);
  }
  TileFetcher Fetcher() const {
    return [this](const std::string& path) { return Serve(path); };
  }
  Checkpoint Latest() {
    auto checkpoint = FetchCheckpoint(Fetcher(), *verifier_, "example.com/log");
    EXPECT_TRUE(checkpoint.ok());
    return checkpoint.ok() ? *checkpoint : Checkpoint{};
  }
  std::unique_ptr<TempDir> temp_;
  std::unique_ptr<LogStore> store_;
  std::optional<NoteVerifier> verifier_;
};

TEST_F(TileClientTest, FetchCheckpointVerifiesTheNoteAndReturnsItsText) {
  Append(3);
  std::string note;
  auto checkpoint = FetchCheckpoint(Fetcher(), *verifier_, "example.com/log", &note);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message();
  EXPECT_EQ(checkpoint->size, 3u);
  EXPECT_EQ(note, store_->checkpoint());
  EXPECT_FALSE(FetchCheckpoint(Fetcher(), *verifier_, "example.com/other").ok());
}

TEST_F(TileClientTest, FetchCheckpointRefusesAForgedNoteAndPassesFetchErrorsThrough) {
  const TileFetcher forged = [this](const std::string& path) -> Result<Bytes> {
    std::string text = store_->checkpoint();
    text[text.find('\n') + 1] = '9';  // another size, same signature
    if (path == "checkpoint") return ToBytes(text);
    return Serve(path);
  };
  EXPECT_FALSE(FetchCheckpoint(forged, *verifier_, "example.com/log").ok());
  const TileFetcher down = [](const std::string&) -> Result<Bytes> {
    return Error::MissingEnv("cannot reach the ledger");
  };
  auto failed = FetchCheckpoint(down, *verifier_, "example.com/log");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kMissingEnv);
}

TEST_F(TileClientTest, FetchProvenEntryReadsAndProvesEveryEntry) {
  Append(300);  // a full bundle and a partial one
  const Checkpoint checkpoint = Latest();
  for (std::uint64_t index : {0u, 1u, 255u, 256u, 299u}) {
    auto entry = FetchProvenEntry(Fetcher(), index, checkpoint);
    ASSERT_TRUE(entry.ok()) << index << ": " << entry.error().message();
    EXPECT_EQ(*entry, Entry(index));
  }
  auto beyond = FetchProvenEntry(Fetcher(), 300, checkpoint);
  ASSERT_FALSE(beyond.ok());
  EXPECT_NE(beyond.error().message().find("beyond the ledger's tree (size 300)"),
            std::string::npos);
}

TEST_F(TileClientTest, FetchProvenEntryRefusesAnEntryNotInTheTree) {
  Append(5);
  const Checkpoint checkpoint = Latest();
  const TileFetcher swapped = [this](const std::string& path) -> Result<Bytes> {
    if (!path.starts_with("tile/entries/")) return Serve(path);
    std::vector<Bytes> entries;
    for (std::uint64_t i = 0; i < 5; ++i) entries.push_back(Entry(i == 2 ? 99 : i));
    return EncodeEntryBundle(entries);
  };
  EXPECT_TRUE(FetchProvenEntry(swapped, 1, checkpoint).ok());
  auto forged = FetchProvenEntry(swapped, 2, checkpoint);
  ASSERT_FALSE(forged.ok());
  EXPECT_NE(forged.error().message().find("entry 2 served by the ledger is not in its signed tree"),
            std::string::npos);
}

TEST_F(TileClientTest, FetchProvenEntryPassesTileErrorsThrough) {
  Append(5);
  const Checkpoint checkpoint = Latest();
  const TileFetcher no_tiles = [this](const std::string& path) -> Result<Bytes> {
    if (path.starts_with("tile/0/")) return Error::Failed("tile gone: HTTP 404");
    return Serve(path);
  };
  auto failed = FetchProvenEntry(no_tiles, 3, checkpoint);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message().find("tile gone: HTTP 404"), std::string::npos);
}

TEST_F(TileClientTest, CheckExtendsAcceptsAGrowingLog) {
  const Checkpoint empty = Latest();
  Append(7);
  const Checkpoint older = Latest();
  Append(600);
  const Checkpoint newer = Latest();
  EXPECT_TRUE(CheckExtends(Fetcher(), older, newer).ok());
  EXPECT_TRUE(CheckExtends(Fetcher(), older, older).ok());
  EXPECT_TRUE(CheckExtends(Fetcher(), empty, newer).ok());
}

TEST_F(TileClientTest, CheckExtendsDetectsForksAndShrinking) {
  Append(7);
  const Checkpoint older = Latest();
  Append(10);
  const Checkpoint newer = Latest();
  Checkpoint other = older;  // another tree of the same size
  other.root[0] ^= 1;
  Status same_size = CheckExtends(Fetcher(), other, older);
  ASSERT_FALSE(same_size.ok());
  EXPECT_NE(same_size.error().message().find("fork: two different roots for tree size 7"),
            std::string::npos);
  Status forked = CheckExtends(Fetcher(), other, newer);
  ASSERT_FALSE(forked.ok());
  EXPECT_NE(forked.error().message().find(
                "fork: the tree of size 17 does not extend the trusted tree of size 7"),
            std::string::npos);
  Status shrank = CheckExtends(Fetcher(), newer, older);
  ASSERT_FALSE(shrank.ok());
  EXPECT_NE(shrank.error().message().find("shrank from size 17 to 7"), std::string::npos);
}

TEST_F(TileClientTest, CheckExtendsPassesTileErrorsThrough) {
  Append(7);
  const Checkpoint older = Latest();
  Append(10);
  const TileFetcher down = [](const std::string&) -> Result<Bytes> {
    return Error::MissingEnv("cannot reach the ledger");
  };
  Status failed = CheckExtends(down, older, Latest());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kMissingEnv);
}

}  // namespace
}  // namespace vigil::tlog
