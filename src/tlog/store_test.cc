#include "tlog/store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "base/file.h"
#include "crypto/ed25519.h"
#include "tlog/checkpoint.h"
#include "tlog/cosignature.h"
#include "tlog/note.h"
#include "tlog/receipt.h"
#include "tlog/sequencer.h"
#include "tlog/verify.h"
#include "tlog/witness_policy.h"

namespace vigil::tlog {
namespace {

// The RFC 6962 root computed the obvious recursive way, independent of the store.
Hash NaiveRoot(std::span<const Hash> leaves) {
  if (leaves.empty()) {
    return EmptyRoot();
  }
  if (leaves.size() == 1) {
    return leaves[0];
  }
  std::size_t split = 1;
  while (split * 2 < leaves.size()) {
    split *= 2;
  }
  return NodeHash(NaiveRoot(leaves.first(split)), NaiveRoot(leaves.subspan(split)));
}

Bytes EntryBytes(std::uint64_t i, std::string_view tag = "entry") {
  std::string text = std::string(tag) + " " + std::to_string(i);
  return Bytes(text.begin(), text.end());
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto temp = TempDir::Create(fs::temp_directory_path(), "vigil-store-test.");
    ASSERT_TRUE(temp.ok());
    temp_ = std::make_unique<TempDir>(std::move(temp).value());
    dir_ = temp_->path() / "log";
    ASSERT_TRUE(LogStore::Init(dir_, "example.com/test-log").ok());
  }

  std::unique_ptr<LogStore> OpenStore(EntryClassifier classifier = nullptr) {
    auto store = LogStore::Open(dir_, std::move(classifier));
    EXPECT_TRUE(store.ok()) << store.error().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Appends `count` entries in batches of `batch`, remembering their leaf hashes.
  void Append(LogStore& store, std::uint64_t count, std::uint64_t batch,
              std::string_view tag = "entry") {
    std::vector<Bytes> pending;
    for (std::uint64_t i = 0; i < count; ++i) {
      pending.push_back(EntryBytes(leaves_.size() + pending.size(), tag));
      if (pending.size() == batch || i + 1 == count) {
        auto first = store.AppendBatch(pending);
        ASSERT_TRUE(first.ok()) << first.error().message();
        ASSERT_EQ(*first, leaves_.size());
        for (const Bytes& entry : pending) {
          leaves_.push_back(LeafHash(entry));
        }
        pending.clear();
      }
    }
  }

  Checkpoint CurrentCheckpoint(const LogStore& store) {
    auto verifier = NoteVerifier::Parse(store.verifier_key());
    EXPECT_TRUE(verifier.ok());
    auto checkpoint = OpenCheckpoint(store.checkpoint(), *verifier, "example.com/test-log");
    EXPECT_TRUE(checkpoint.ok()) << checkpoint.error().message();
    return checkpoint.ok() ? *checkpoint : Checkpoint{};
  }

  std::unique_ptr<TempDir> temp_;
  fs::path dir_;
  std::vector<Hash> leaves_;
};

TEST_F(StoreTest, EmptyLogHasASignedCheckpoint) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->size(), 0u);
  Checkpoint checkpoint = CurrentCheckpoint(*store);
  EXPECT_EQ(checkpoint.size, 0u);
  EXPECT_EQ(checkpoint.root, EmptyRoot());
  struct stat key_stat {};
  ASSERT_EQ(::stat((dir_ / "log.key").c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);
}

TEST_F(StoreTest, CheckpointsCommitToTheTreeOfEveryBatch) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  for (std::uint64_t batch : {1, 7, 255, 256, 1, 300, 1000}) {
    Append(*store, batch * 2, batch);
    Checkpoint checkpoint = CurrentCheckpoint(*store);
    ASSERT_EQ(checkpoint.size, leaves_.size());
    ASSERT_EQ(checkpoint.root, NaiveRoot(leaves_));
  }
  EXPECT_EQ(store->size(), leaves_.size());
}

TEST_F(StoreTest, ProofsVerifyWithTheIndependentVerifier) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  Append(*store, 70000, 5000);
  std::mt19937_64 random(42);
  for (int i = 0; i < 200; ++i) {
    const std::uint64_t size = 1 + random() % leaves_.size();
    const std::uint64_t index = random() % size;
    auto proof = store->InclusionProof(index, size);
    ASSERT_TRUE(proof.ok()) << proof.error().message();
    const Hash root = NaiveRoot(std::span(leaves_).first(size));
    EXPECT_TRUE(VerifyInclusion(index, size, leaves_[index], *proof, root).ok())
        << index << " in " << size;
    const std::uint64_t older = 1 + random() % size;
    auto consistency = store->ConsistencyProof(older, size);
    ASSERT_TRUE(consistency.ok()) << consistency.error().message();
    EXPECT_TRUE(VerifyConsistency(older, size, *consistency,
                                  NaiveRoot(std::span(leaves_).first(older)), root)
                    .ok())
        << older << " to " << size;
  }
  auto entry = store->ReadEntry(65432);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(*entry, EntryBytes(65432));
  EXPECT_FALSE(store->ReadEntry(70000).ok());
  EXPECT_FALSE(store->InclusionProof(0, 70001).ok());
}

TEST_F(StoreTest, ReceiptsVerifyAgainstTheCheckpoint) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  Append(*store, 600, 100);
  auto text = store->Receipt(517);
  ASSERT_TRUE(text.ok()) << text.error().message();
  auto receipt = ParseReceipt(*text);
  ASSERT_TRUE(receipt.ok()) << receipt.error().message();
  auto verifier = NoteVerifier::Parse(store->verifier_key());
  ASSERT_TRUE(verifier.ok());
  auto checkpoint = VerifyReceipt(*receipt, *verifier, "example.com/test-log");
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.error().message();
  EXPECT_EQ(checkpoint->size, 600u);
  ASSERT_TRUE(receipt->extra.has_value());
  EXPECT_EQ(*receipt->extra, EntryBytes(517));
}

TEST_F(StoreTest, ReopeningResumesTheSameTree) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    Append(*store, 1000, 333);
  }
  auto store = OpenStore();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->size(), 1000u);
  Append(*store, 70, 70);
  EXPECT_EQ(CurrentCheckpoint(*store).root, NaiveRoot(leaves_));
}

// A kill between writing a batch's tiles and its checkpoint leaves files beyond the
// checkpoint: reopening ignores and removes them, and later appends are consistent.
TEST_F(StoreTest, RecoversFromAnInterruptedBatch) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    Append(*store, 300, 300);
  }
  const fs::path crashed = temp_->path() / "crashed";
  fs::copy(dir_, crashed, fs::copy_options::recursive);
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    Append(*store, 500, 500, "never acknowledged");
  }
  // The kill came after the batch's tiles were written and before its checkpoint.
  fs::copy(dir_ / "tile", crashed / "tile",
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  dir_ = crashed;
  leaves_.resize(300);
  auto store = OpenStore();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->size(), 300u);
  EXPECT_FALSE(fs::exists(dir_ / "tile/entries/001.p/32"));  // width 32 of 800 is gone
  EXPECT_FALSE(fs::exists(dir_ / "tile/0/002.p/32"));
  EXPECT_FALSE(store->ReadTile("tile/entries/001").ok());
  Append(*store, 600, 150, "after restart");
  EXPECT_EQ(CurrentCheckpoint(*store).root, NaiveRoot(leaves_));
  auto bundle = store->ReadTile("tile/entries/001");
  ASSERT_TRUE(bundle.ok()) << bundle.error().message();
  auto entry = store->ReadEntry(400);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(*entry, EntryBytes(400, "after restart"));
}

TEST_F(StoreTest, TilesBeyondTheTreeAreNotServed) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  Append(*store, 300, 300);
  EXPECT_TRUE(store->ReadTile("tile/0/000").ok());
  EXPECT_TRUE(store->ReadTile("tile/0/001.p/44").ok());
  EXPECT_TRUE(store->ReadTile("tile/1/000.p/1").ok());
  EXPECT_TRUE(store->ReadTile("tile/entries/001.p/44").ok());
  auto beyond = store->ReadTile("tile/0/001.p/45");
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code(), ErrorCode::kFailed);
  EXPECT_FALSE(store->ReadTile("tile/0/002").ok());
  auto malformed = store->ReadTile("tile/0/../../log.key");
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code(), ErrorCode::kBadInput);
}

TEST_F(StoreTest, TheIndexFindsEntriesAndIsRebuilt) {
  auto classify = [](ByteView entry) -> std::optional<EntryLabel> {
    std::string_view text = AsText(entry);
    if (text.starts_with("build ")) {
      return EntryLabel{"build-log", std::string(text.substr(6))};
    }
    return std::nullopt;
  };
  {
    auto store = OpenStore(classify);
    ASSERT_TRUE(store);
    Append(*store, 500, 100, "build");
    auto found = store->FindByLabel({"build-log", "321"});
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(*found, std::vector<std::uint64_t>{321});
  }
  fs::remove(dir_ / "index.db");
  fs::remove(dir_ / "index.db-wal");
  fs::remove(dir_ / "index.db-shm");
  auto store = OpenStore(classify);
  ASSERT_TRUE(store);
  auto by_hash = store->FindByLeafHash(leaves_[77]);
  ASSERT_TRUE(by_hash.ok());
  EXPECT_EQ(*by_hash, std::optional<std::uint64_t>(77));
  auto latest = store->ListKind("build-log", 3);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, (std::vector<std::uint64_t>{499, 498, 497}));
}

TEST_F(StoreTest, BadInputChangesNothing) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  Append(*store, 10, 10);
  const std::string before = store->checkpoint();
  std::vector<Bytes> batch = {EntryBytes(1), Bytes(kMaxStoredEntrySize + 1, 'x')};
  auto appended = store->AppendBatch(batch);
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.error().code(), ErrorCode::kBadInput);
  EXPECT_EQ(store->checkpoint(), before);
  EXPECT_EQ(store->size(), 10u);

  auto again = LogStore::Init(dir_, "example.com/other");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kBadInput);
  EXPECT_FALSE(LogStore::Open(temp_->path()).ok());
}

TEST_F(StoreTest, RefusesAnExposedKeyOrATamperedCheckpoint) {
  ASSERT_EQ(::chmod((dir_ / "log.key").c_str(), 0644), 0);
  auto exposed = LogStore::Open(dir_);
  ASSERT_FALSE(exposed.ok());
  EXPECT_NE(exposed.error().message().find("chmod 600"), std::string::npos);
  ASSERT_EQ(::chmod((dir_ / "log.key").c_str(), 0600), 0);

  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    Append(*store, 5, 5);
  }
  auto note = ReadFile(dir_ / "checkpoint", 4096);
  ASSERT_TRUE(note.ok());
  std::string text(note->begin(), note->end());
  text.replace(text.find("\n5\n"), 3, "\n4\n");
  ASSERT_TRUE(WriteFileAtomic(dir_ / "checkpoint", AsBytes(text)).ok());
  EXPECT_FALSE(LogStore::Open(dir_).ok());
}

// Inverts the lowest bit of byte `offset` of `file`.
void FlipBit(const fs::path& file, std::size_t offset) {
  auto bytes = ReadFile(file, 1 << 24);
  ASSERT_TRUE(bytes.ok());
  ASSERT_LT(offset, bytes->size());
  (*bytes)[offset] ^= 1;
  ASSERT_TRUE(WriteFileAtomic(file, *bytes).ok());
}

bool Mentions(const Error& error, std::string_view text) {
  return error.message().find(text) != std::string::npos;
}

TEST_F(StoreTest, ReadOnlyOpenNeedsOnlyTilesCheckpointAndVkey) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    Append(*store, 300, 300);
  }
  const fs::path mirror = temp_->path() / "mirror";
  fs::create_directory(mirror);
  fs::copy(dir_ / "tile", mirror / "tile", fs::copy_options::recursive);
  fs::copy(dir_ / "checkpoint", mirror / "checkpoint");
  fs::copy(dir_ / "log.vkey", mirror / "log.vkey");
  auto store = LogStore::OpenReadOnly(mirror);
  ASSERT_TRUE(store.ok()) << store.error().message();
  EXPECT_EQ((*store)->size(), 300u);
  auto receipt = (*store)->Receipt(7);
  ASSERT_TRUE(receipt.ok()) << receipt.error().message();
  auto parsed = ParseReceipt(*receipt);
  ASSERT_TRUE(parsed.ok());
  auto verifier = NoteVerifier::Parse((*store)->verifier_key());
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE(VerifyReceipt(*parsed, *verifier, "example.com/test-log").ok());
  auto fsck = (*store)->Fsck();
  ASSERT_TRUE(fsck.ok()) << fsck.error().message();
  EXPECT_EQ(fsck->size, 300u);
  EXPECT_EQ(fsck->bundles, 2u);
  // Nothing was written: no lock, no index.
  EXPECT_FALSE(fs::exists(mirror / "lock"));
  EXPECT_FALSE(fs::exists(mirror / "index.db"));
  EXPECT_FALSE((*store)->AppendBatch(std::vector<Bytes>{EntryBytes(1)}).ok());
  EXPECT_FALSE((*store)->FindByLeafHash(leaves_[0]).ok());
  // The writer wants the private key, and says so.
  auto writer = LogStore::Open(mirror);
  ASSERT_FALSE(writer.ok());
  EXPECT_TRUE(Mentions(writer.error(), "has no log.key")) << writer.error().message();
}

TEST_F(StoreTest, ADamagedTileIsNamedAndNoProofIsServed) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    Append(*store, 70000, 10000);
  }
  // Intact: the whole log verifies, three levels of tiles deep.
  {
    auto store = LogStore::OpenReadOnly(dir_);
    ASSERT_TRUE(store.ok()) << store.error().message();
    auto fsck = (*store)->Fsck();
    ASSERT_TRUE(fsck.ok()) << fsck.error().message();
    EXPECT_EQ(fsck->tiles, 273u + 1u + 3u);  // 273 full at level 0, 1 at level 1, 3 partial
    EXPECT_EQ(fsck->bundles, 274u);
  }
  const fs::path good = temp_->path() / "good";
  fs::copy(dir_, good, fs::copy_options::recursive);

  // A flipped bit in a full level-0 tile in the middle of the log.
  FlipBit(dir_ / "tile/0/100", 100);
  {
    auto store = LogStore::OpenReadOnly(dir_);
    ASSERT_TRUE(store.ok());
    // Hash 3 of the tile is damaged: entry 2's proof holds it (the receipt of entry 3 itself
    // would not, and is still correct).
    auto inside = (*store)->Receipt(100 * 256 + 2);
    ASSERT_FALSE(inside.ok());
    EXPECT_EQ(inside.error().code(), ErrorCode::kFailed);
    EXPECT_TRUE(Mentions(inside.error(), "tile/0/100 does not hash to its hash in tile/1/000"))
        << inside.error().message();
    auto proof = (*store)->InclusionProof(100 * 256 + 3, 69000);
    ASSERT_FALSE(proof.ok());
    EXPECT_TRUE(Mentions(proof.error(), "tile/0/100")) << proof.error().message();
    auto consistency = (*store)->ConsistencyProof(100 * 256 + 10, 70000);
    ASSERT_FALSE(consistency.ok());
    EXPECT_TRUE(Mentions(consistency.error(), "tile/0/100")) << consistency.error().message();
    // Proofs that never read the damaged tile are still served, and verify.
    auto other = (*store)->Receipt(69999);
    EXPECT_TRUE(other.ok()) << other.error().message();
    auto fsck = (*store)->Fsck();
    ASSERT_FALSE(fsck.ok());
    EXPECT_TRUE(Mentions(fsck.error(), "tile/0/100 does not hash")) << fsck.error().message();
  }

  // A damaged level-1 tile is named before the level-0 tiles it vouches for.
  fs::remove_all(dir_);
  fs::copy(good, dir_, fs::copy_options::recursive);
  FlipBit(dir_ / "tile/1/000", 64);
  {
    auto store = LogStore::OpenReadOnly(dir_);
    ASSERT_TRUE(store.ok());
    auto receipt = (*store)->Receipt(5);
    ASSERT_FALSE(receipt.ok());
    EXPECT_TRUE(Mentions(receipt.error(), "tile/1/000 does not hash to its hash in tile/2/000.p/1"))
        << receipt.error().message();
    auto fsck = (*store)->Fsck();
    ASSERT_FALSE(fsck.ok());
    EXPECT_TRUE(Mentions(fsck.error(), "tile/1/000 does not hash")) << fsck.error().message();
  }

  // The writer checks the last full tile of each level: damage there stops appends.
  fs::remove_all(dir_);
  fs::copy(good, dir_, fs::copy_options::recursive);
  FlipBit(dir_ / "tile/0/272", 8000);
  auto writer = LogStore::Open(dir_);
  ASSERT_FALSE(writer.ok());
  EXPECT_TRUE(Mentions(writer.error(), "tile/0/272 does not hash")) << writer.error().message();
}

TEST_F(StoreTest, ADamagedEntryIsNamed) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    Append(*store, 600, 600);
  }
  const fs::path good = temp_->path() / "good";
  fs::copy(dir_, good, fs::copy_options::recursive);
  FlipBit(dir_ / "tile/entries/000", 3);
  {
    auto store = LogStore::OpenReadOnly(dir_);
    ASSERT_TRUE(store.ok());
    auto receipt = (*store)->Receipt(0);
    ASSERT_FALSE(receipt.ok());
    EXPECT_TRUE(Mentions(receipt.error(),
                         "tile/entries/000 holds entry 0 with bytes that do not "
                         "match its leaf hash in tile/0/000"))
        << receipt.error().message();
    EXPECT_TRUE((*store)->Receipt(300).ok());
    auto fsck = (*store)->Fsck();
    ASSERT_FALSE(fsck.ok());
    EXPECT_TRUE(Mentions(fsck.error(), "tile/entries/000 holds entry 0")) << fsck.error().message();
  }
  // The last full bundle and the partial one are checked before any append.
  fs::remove_all(dir_);
  fs::copy(good, dir_, fs::copy_options::recursive);
  FlipBit(dir_ / "tile/entries/001", 10);
  auto writer = LogStore::Open(dir_);
  ASSERT_FALSE(writer.ok());
  EXPECT_TRUE(Mentions(writer.error(), "tile/entries/001 holds entry 256"))
      << writer.error().message();
  fs::remove_all(dir_);
  fs::copy(good, dir_, fs::copy_options::recursive);
  FlipBit(dir_ / "tile/entries/002.p/88", 10);
  writer = LogStore::Open(dir_);
  ASSERT_FALSE(writer.ok());
  EXPECT_TRUE(Mentions(writer.error(), "tile/entries/002.p/88 holds entry 512"))
      << writer.error().message();
  EXPECT_FALSE(LogStore::OpenReadOnly(dir_).ok());
}

TEST_F(StoreTest, AGarbageIndexIsCalledDerivedData) {
  {
    auto store = OpenStore();
    ASSERT_TRUE(store);
    Append(*store, 10, 10);
  }
  fs::remove(dir_ / "index.db-wal");
  fs::remove(dir_ / "index.db-shm");
  ASSERT_TRUE(WriteFileAtomic(dir_ / "index.db", Bytes(4096, 0x5a)).ok());
  auto store = LogStore::Open(dir_);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(Mentions(store.error(), "derived data; delete it")) << store.error().message();
  fs::remove(dir_ / "index.db");
  EXPECT_TRUE(OpenStore());
}

// With witnesses, a batch is committed to first and published once cosigned: while the
// witnesses are away its entries are in the tree but in no published checkpoint, and the
// next attempt publishes the same tree.
TEST_F(StoreTest, WithWitnessesOnlyCosignedCheckpointsArePublished) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  Append(*store, 3, 3);
  const Cosigner witness =
      Cosigner::Create("w1.example", crypto::Ed25519GenerateSeed().value()).value();
  bool reachable = false;
  std::uint64_t proven_from = 99;
  store->SetCosigning([&](const std::string& note, std::uint64_t size,
                          const ConsistencyProver& prove) -> Result<std::string> {
    if (!reachable) return Error::Failed("witness policy not met: w1.example is away");
    auto proof = prove(3);
    EXPECT_TRUE(proof.ok());
    proven_from = 3;
    (void)size;
    auto checkpoint_text = SplitSignedNote(note).value().text;
    return note + witness.Cosign(checkpoint_text, 1700000000).value();
  });
  const std::string before = store->checkpoint();
  auto failed = store->AppendBatch(std::vector<Bytes>{EntryBytes(3), EntryBytes(4)});
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message().find("witness policy not met"), std::string::npos);
  EXPECT_FALSE(store->Published());
  EXPECT_EQ(store->checkpoint(), before);
  EXPECT_EQ(store->size(), 3u);
  auto unpublished = store->Receipt(4);
  ASSERT_FALSE(unpublished.ok());
  EXPECT_NE(unpublished.error().message().find("no published checkpoint"), std::string::npos);
  EXPECT_TRUE(store->Receipt(2).ok());

  reachable = true;
  ASSERT_TRUE(store->PublishWitnessed().ok());
  EXPECT_TRUE(store->Published());
  EXPECT_EQ(store->size(), 5u);
  EXPECT_EQ(proven_from, 3u);
  auto policy =
      ParseWitnessPolicy("witness w1.example " + witness.VerifierKey() + "\nquorum w1.example\n");
  ASSERT_TRUE(policy.ok()) << policy.error().message();
  EXPECT_TRUE(CheckWitnessPolicy(*policy, store->checkpoint()).ok());
  auto receipt = store->Receipt(4);
  ASSERT_TRUE(receipt.ok()) << receipt.error().message();
  EXPECT_NE(receipt->find("— w1.example "), std::string::npos);
  // The cosigned checkpoint is the commit point on disk too.
  store.reset();
  store = OpenStore();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(CheckWitnessPolicy(*policy, store->checkpoint()).ok());
  EXPECT_EQ(store->size(), 5u);
}

}  // namespace
}  // namespace vigil::tlog

namespace vigil::tlog {
namespace {

// Every batch the Sequencer writes stays within max_batch_bytes, but for an entry larger
// than that, which goes alone; all entries are written, in order.
TEST_F(StoreTest, SequencerBatchesStayWithinTheirByteBound) {
  auto store = OpenStore();
  ASSERT_NE(store, nullptr);
  std::mutex mutex;
  std::condition_variable all_queued;
  bool queued = false;
  std::vector<std::uint64_t> sizes;  // the tree size after each batch
  store->SetCosigning([&](const std::string& note, std::uint64_t size, const ConsistencyProver&) {
    std::unique_lock lock(mutex);
    all_queued.wait(lock, [&] { return queued; });  // the next batches find everything queued
    sizes.push_back(size);  // a witness line: the store only checks that lines were added
    return Result<std::string>(note + "\u2014 w.example AAAA\n");
  });
  SequencerOptions options;
  options.max_batch_bytes = 250;
  Sequencer sequencer(*store, options);
  std::vector<std::uint64_t> indexes(12);
  std::atomic<int> done{0};
  for (std::uint64_t i = 0; i < 12; ++i) {
    Bytes entry(i == 5 ? 300 : 100, static_cast<std::uint8_t>('a' + i));
    ASSERT_TRUE(sequencer
                    .Add(std::move(entry),
                         [&, i](Result<std::uint64_t> index) {
                           indexes[i] = index.ok() ? *index : 999;
                           if (!index.ok()) ADD_FAILURE() << index.error().message();
                           ++done;
                         })
                    .ok());
  }
  {
    std::lock_guard lock(mutex);
    queued = true;
  }
  all_queued.notify_all();
  while (done.load() < 12) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (std::uint64_t i = 0; i < 12; ++i) EXPECT_EQ(indexes[i], i);
  std::lock_guard lock(mutex);
  std::uint64_t previous = 0;
  for (const std::uint64_t size : sizes) {
    const std::uint64_t batch = size - previous;
    // Entries of 100 bytes: at most two a batch; entry 5 (300 bytes) alone.
    EXPECT_LE(batch, 2u) << "a batch of " << batch << " entries, up to size " << size;
    if (previous < 6 && size >= 6) {
      EXPECT_TRUE(previous == 5 && size == 6) << "entry 5 went in a batch up to size " << size;
    }
    previous = size;
  }
  EXPECT_EQ(previous, 12u);
}

}  // namespace
}  // namespace vigil::tlog
