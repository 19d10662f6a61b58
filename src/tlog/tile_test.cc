// The C2SP tlog-tiles layout: paths, strict parsing, bundles, hash tiles and tile math.
#include "tlog/tile.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "tlog/prove.h"

namespace vigil::tlog {
namespace {

TEST(TilePath, MatchesTheSpecExamples) {
  EXPECT_EQ(TilePath(0, 1234067, 8), "tile/0/x001/x234/067.p/8");
  EXPECT_EQ(TilePath(4, 1234067, 256), "tile/4/x001/x234/067");
  EXPECT_EQ(TilePath(0, 0, 256), "tile/0/000");
  EXPECT_EQ(TilePath(1, 0, 1), "tile/1/000.p/1");
  EXPECT_EQ(TilePath(63, 999, 255), "tile/63/999.p/255");
  EXPECT_EQ(TilePath(0, 1000, 256), "tile/0/x001/000");
  EXPECT_EQ(TilePath(2, 1000000, 256), "tile/2/x001/x000/000");
  EXPECT_EQ(TilePath(0, ~std::uint64_t{0}, 256), "tile/0/x018/x446/x744/x073/x709/x551/615");
  EXPECT_EQ(EntryBundlePath(1234067, 256), "tile/entries/x001/x234/067");
  EXPECT_EQ(EntryBundlePath(5, 112), "tile/entries/005.p/112");
}

void ExpectParses(const std::string& path, bool entries, int level, std::uint64_t index,
                  int width) {
  auto ref = ParseTilePath(path);
  ASSERT_TRUE(ref.ok()) << path << ": " << ref.error().message();
  EXPECT_EQ(ref->entries, entries) << path;
  EXPECT_EQ(ref->level, level) << path;
  EXPECT_EQ(ref->index, index) << path;
  EXPECT_EQ(ref->width, width) << path;
}

TEST(TilePath, ParsesCanonicalPaths) {
  ExpectParses("tile/0/x001/x234/067.p/8", false, 0, 1234067, 8);
  ExpectParses("tile/63/000", false, 63, 0, 256);
  ExpectParses("tile/10/999.p/255", false, 10, 999, 255);
  ExpectParses("tile/entries/x001/000", true, 0, 1000, 256);
  ExpectParses("tile/entries/000.p/1", true, 0, 0, 1);
  ExpectParses("tile/1/x018/x446/x744/x073/x709/x551/615", false, 1, ~std::uint64_t{0}, 256);
}

TEST(TilePath, RoundTrips) {
  std::mt19937_64 rng(256);
  for (int i = 0; i < 2000; ++i) {
    const int level = static_cast<int>(rng() % 64);
    // Indexes of every digit count, not just the huge ones a uniform draw gives.
    const std::uint64_t index = rng() >> (rng() % 64);
    const int width = static_cast<int>(rng() % 256) + 1;
    const std::string path = TilePath(level, index, width);
    ExpectParses(path, false, level, index, width);
    const std::string bundle = EntryBundlePath(index, width);
    ExpectParses(bundle, true, 0, index, width);
  }
}

TEST(TilePath, RejectsEverythingElse) {
  const std::vector<std::string> bad = {
      "",
      "tile",
      "tile/",
      "tile/0",
      "tile/0/",
      "/tile/0/000",
      "TILE/0/000",
      "tiles/0/000",
      "tile//000",
      "tile/0//000",
      "tile/0/000/",
      "tile/00/000",  // leading zero in the level
      "tile/01/000",
      "tile/64/000",  // level above 63
      "tile/-1/000",
      "tile/+1/000",
      "tile/1000/000",
      "tile/data/000",  // the old Go sumdb name, not tlog-tiles
      "tile/entry/000",
      "tile/8/0/000",  // a Go sumdb height element
      "tile/0/00",     // index groups have exactly three digits
      "tile/0/0000",
      "tile/0/1",
      "tile/0/0a1",
      "tile/0/ 01",
      "tile/0/000 ",
      "tile/0/x000/001",  // leading zero group
      "tile/0/x000/x001/001",
      "tile/0/001/002",  // every group but the last starts with x
      "tile/0/x001",     // the last does not
      "tile/0/x001/x002",
      "tile/0/X001/002",
      "tile/0/x1000/000",
      "tile/0/x01/000",
      "tile/0/000.p/0",  // width 1..255, no leading zeros
      "tile/0/000.p/256",
      "tile/0/000.p/08",
      "tile/0/000.p/-1",
      "tile/0/000.p/",
      "tile/0/000.p",
      "tile/0/000.p/5/",
      "tile/0/000.p/5x",
      "tile/0/000.P/5",
      "tile/0/000.p/5.p/5",
      "tile/0/x001.p/002",
      "tile/0/.p/5",
      "tile/entries/000.p/300",
      "tile/0/../000",  // traversal
      "tile/../0/000",
      "tile/0/./000",
      "tile/0/x018/x446/x744/x073/x709/x551/616",  // above 2^64 - 1
      "tile/0/x999/x999/x999/x999/x999/x999/999",
      "tile/0/x001/x000/x000/x000/x000/x000/x000/000",  // 22 digits
      std::string("tile/0/0\0"
                  "01",
                  11),  // embedded NUL
  };
  for (const std::string& path : bad) {
    auto ref = ParseTilePath(path);
    EXPECT_FALSE(ref.ok()) << "accepted \"" << path << "\"";
    if (!ref.ok()) {
      EXPECT_EQ(ref.error().code(), ErrorCode::kBadInput) << path;
    }
  }
}

TEST(TilePathDeathTest, BadArgumentsAbort) {
  EXPECT_DEATH({ const std::string path = TilePath(64, 0, 256); }, "");
  EXPECT_DEATH({ const std::string path = TilePath(0, 0, 0); }, "");
  EXPECT_DEATH({ const std::string path = EntryBundlePath(0, 257); }, "");
}

// ---- Entry bundles. ----

TEST(EntryBundle, EncodesBigEndianLengthPrefixes) {
  const std::vector<Bytes> entries = {{}, {0xaa}, Bytes(0x0102, 0x55)};
  const Bytes bundle = EncodeEntryBundle(entries);
  ASSERT_EQ(bundle.size(), 2u + 2u + 1u + 2u + 0x0102u);
  EXPECT_EQ(bundle[0], 0x00);
  EXPECT_EQ(bundle[1], 0x00);
  EXPECT_EQ(bundle[2], 0x00);
  EXPECT_EQ(bundle[3], 0x01);
  EXPECT_EQ(bundle[4], 0xaa);
  EXPECT_EQ(bundle[5], 0x01);
  EXPECT_EQ(bundle[6], 0x02);
  auto decoded = DecodeEntryBundle(bundle, 3);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(*decoded, entries);
}

TEST(EntryBundle, RoundTripsFullBundlesAndTheBiggestEntry) {
  std::mt19937_64 rng(42);
  std::vector<Bytes> entries;
  for (int i = 0; i < 256; ++i) {
    Bytes entry(rng() % 300);
    for (auto& byte : entry) byte = static_cast<std::uint8_t>(rng());
    entries.push_back(entry);
  }
  entries[17] = Bytes(kMaxEntrySize, 0x7f);
  const Bytes bundle = EncodeEntryBundle(entries);
  auto decoded = DecodeEntryBundle(bundle, 256);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message();
  EXPECT_EQ(*decoded, entries);
}

TEST(EntryBundle, RejectsMalformedBundles) {
  const std::vector<Bytes> entries = {{1, 2, 3}, {4}};
  const Bytes bundle = EncodeEntryBundle(entries);  // 00 03 01 02 03 00 01 04
  ASSERT_TRUE(DecodeEntryBundle(bundle, 2).ok());

  auto expect_bad = [](ByteView data, std::size_t count, const std::string& what) {
    auto decoded = DecodeEntryBundle(data, count);
    ASSERT_FALSE(decoded.ok()) << what;
    EXPECT_EQ(decoded.error().code(), ErrorCode::kBadInput) << what;
  };
  const ByteView view(bundle);
  for (std::size_t cut = 0; cut < bundle.size(); ++cut) {
    expect_bad(view.first(cut), 2, "truncated to " + std::to_string(cut));
  }
  Bytes trailing = bundle;
  trailing.push_back(0);
  expect_bad(trailing, 2, "one trailing byte");
  trailing.push_back(0);
  expect_bad(trailing, 2, "an extra empty entry");
  expect_bad(bundle, 1, "more entries than expected");
  expect_bad(bundle, 3, "fewer entries than expected");
  expect_bad(bundle, 0, "zero expected");
  expect_bad({}, 0, "empty bundle, zero expected");
  expect_bad(bundle, 257, "too many expected");
  const Bytes huge_length = {0xff, 0xff, 0x00};
  expect_bad(huge_length, 1, "length beyond the data");
}

TEST(EntryBundleDeathTest, OversizedEntryAborts) {
  const std::vector<Bytes> entries = {Bytes(kMaxEntrySize + 1)};
  EXPECT_DEATH({ const Bytes bundle = EncodeEntryBundle(entries); }, "");
}

// ---- Hash tiles. ----

TEST(HashTile, DecodesExactWidths) {
  Bytes tile;
  for (int i = 0; i < 3 * 32; ++i) tile.push_back(static_cast<std::uint8_t>(i));
  auto hashes = DecodeHashTile(tile, 3);
  ASSERT_TRUE(hashes.ok()) << hashes.error().message();
  ASSERT_EQ(hashes->size(), 3u);
  EXPECT_EQ((*hashes)[0][0], 0);
  EXPECT_EQ((*hashes)[1][0], 32);
  EXPECT_EQ((*hashes)[2][31], 95);

  for (const int width : {0, 2, 4, 257, -1}) {
    auto wrong = DecodeHashTile(tile, width);
    ASSERT_FALSE(wrong.ok()) << width;
    EXPECT_EQ(wrong.error().code(), ErrorCode::kBadInput);
  }
  tile.pop_back();
  EXPECT_FALSE(DecodeHashTile(tile, 3).ok());
  EXPECT_TRUE(DecodeHashTile(Bytes(std::size_t{256} * 32), 256).ok());
}

// ---- Tile math. ----

TEST(TileMath, MatchesTheSpecExample) {
  // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level
  // 0 tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and
  // one partial level 2 tile of width 1."
  EXPECT_EQ(FullTileCount(70000, 0), 273u);
  EXPECT_EQ(PartialTileWidth(70000, 0), 112);
  EXPECT_EQ(FullTileCount(70000, 1), 1u);
  EXPECT_EQ(PartialTileWidth(70000, 1), 17);
  EXPECT_EQ(FullTileCount(70000, 2), 0u);
  EXPECT_EQ(PartialTileWidth(70000, 2), 1);
  EXPECT_EQ(PartialTileWidth(70000, 3), 0);
  EXPECT_EQ(TileWidth(70000, 0, 0), 256);
  EXPECT_EQ(TileWidth(70000, 0, 272), 256);
  EXPECT_EQ(TileWidth(70000, 0, 273), 112);
  EXPECT_EQ(TileWidth(70000, 0, 274), 0);
  EXPECT_EQ(TileWidth(70000, 1, 0), 256);
  EXPECT_EQ(TileWidth(70000, 1, 1), 17);
  EXPECT_EQ(TileWidth(70000, 2, 0), 1);
  EXPECT_EQ(TileWidth(70000, 3, 0), 0);
  // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1
  // tile of width 1."
  EXPECT_EQ(TileWidth(256, 0, 0), 256);
  EXPECT_EQ(TileWidth(256, 0, 1), 0);
  EXPECT_EQ(TileWidth(256, 1, 0), 1);
  EXPECT_EQ(TileWidth(0, 0, 0), 0);
  const std::uint64_t max = ~std::uint64_t{0};
  EXPECT_EQ(PartialTileWidth(max, 7), 255);
  EXPECT_EQ(FullTileCount(max, 7), 0u);
  EXPECT_EQ(TileWidth(max, 6, 255), 255);
  EXPECT_EQ(TileWidth(max, 8, 0), 0);
  EXPECT_EQ(TileWidth(max, 63, 0), 0);
  EXPECT_EQ(TileWidth(max, 0, max / 256 - 1), 256);
  EXPECT_EQ(TileWidth(max, 0, max / 256), 255);
}

// Every complete subtree of a 70,000-leaf tree, keyed by (level, index).
std::map<std::pair<int, std::uint64_t>, Hash> BuildSubtrees(std::uint64_t size) {
  std::map<std::pair<int, std::uint64_t>, Hash> subtrees;
  CompactRange range;
  for (std::uint64_t i = 0; i < size; ++i) {
    const std::string entry = "tile entry " + std::to_string(i);
    range.Append(LeafHash(AsBytes(entry)),
                 [&subtrees](int level, std::uint64_t index, const Hash& hash) {
                   subtrees[{level, index}] = hash;
                 });
  }
  return subtrees;
}

// The hashes of tile `index` at tile level `level`, as a log would serve them.
std::vector<Hash> TileHashes(const std::map<std::pair<int, std::uint64_t>, Hash>& subtrees,
                             std::uint64_t size, int level, std::uint64_t index) {
  std::vector<Hash> hashes;
  const int width = TileWidth(size, level, index);
  for (int i = 0; i < width; ++i) {
    hashes.push_back(subtrees.at({8 * level, index * 256 + static_cast<std::uint64_t>(i)}));
  }
  return hashes;
}

TEST(TileMath, SubtreeHashFromTileMatchesTheTree) {
  const std::uint64_t size = 70000;
  const auto subtrees = BuildSubtrees(size);
  // Full and partial tiles of the first two levels, and the level-2 partial tile.
  const std::vector<std::pair<int, std::uint64_t>> tiles = {{0, 0}, {0, 100}, {0, 272}, {0, 273},
                                                            {1, 0}, {1, 1},   {2, 0}};
  for (const auto& [level, index] : tiles) {
    const std::vector<Hash> hashes = TileHashes(subtrees, size, level, index);
    ASSERT_EQ(static_cast<int>(hashes.size()), TileWidth(size, level, index));
    for (int height = 0; height <= kTileHeight; ++height) {
      const std::uint64_t count = hashes.size() >> height;
      for (std::uint64_t i = 0; i < count; ++i) {
        auto hash = SubtreeHashFromTile(hashes, height, i);
        ASSERT_TRUE(hash.ok()) << hash.error().message();
        const int tree_level = kTileHeight * level + height;
        const std::uint64_t tree_index = (index << (kTileHeight - height)) + i;
        EXPECT_EQ(*hash, subtrees.at({tree_level, tree_index}))
            << "tile " << level << "/" << index << " height " << height << " index " << i;
      }
      // The first subtree that does not fit.
      auto beyond = SubtreeHashFromTile(hashes, height, count);
      ASSERT_FALSE(beyond.ok());
      EXPECT_EQ(beyond.error().code(), ErrorCode::kBadInput);
    }
  }
}

TEST(TileMath, SubtreeHashFromTileRejectsBadArguments) {
  const std::vector<Hash> hashes(256);
  EXPECT_TRUE(SubtreeHashFromTile(hashes, 8, 0).ok());
  EXPECT_FALSE(SubtreeHashFromTile(hashes, 9, 0).ok());
  EXPECT_FALSE(SubtreeHashFromTile(hashes, -1, 0).ok());
  EXPECT_FALSE(SubtreeHashFromTile(hashes, 0, 256).ok());
  EXPECT_FALSE(SubtreeHashFromTile(hashes, 0, ~std::uint64_t{0}).ok());
  EXPECT_FALSE(SubtreeHashFromTile({}, 0, 0).ok());
  const std::vector<Hash> too_many(257);
  EXPECT_FALSE(SubtreeHashFromTile(too_many, 0, 0).ok());
}

}  // namespace
}  // namespace vigil::tlog
