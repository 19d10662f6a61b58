// The C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles): tile and entry bundle paths,
// their strict parsing, the encodings of hash tiles and entry bundles, and the tile math a
// store needs. Tiles have height 8: a full tile holds 256 hashes, and each hash of a level-L
// tile is the root of a complete subtree of 256^L leaves.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "tlog/hash.h"

namespace vigil::tlog {

// Levels of the Merkle tree one tile covers.
constexpr int kTileHeight = 8;
// Hashes in a full tile, and entries in a full entry bundle.
constexpr int kFullTileWidth = 1 << kTileHeight;
// The largest tile level a path may name.
constexpr int kMaxTileLevel = 63;
// The largest entry an entry bundle can hold (its length prefix is a big-endian uint16). The
// log must refuse bigger entries when they are submitted: EncodeEntryBundle aborts on them.
constexpr std::size_t kMaxEntrySize = 65535;

// Returns the path of a hash tile, "tile/<L>/<N>[.p/<W>]", e.g. "tile/0/x001/x234/067.p/8"
// for level 0, index 1234067, width 8. A width of 256 is a full tile and has no ".p/" part.
// Level outside 0..63 or width outside 1..256 is a programming error and aborts.
std::string TilePath(int level, std::uint64_t index, int width);

// Returns the path of an entry bundle, "tile/entries/<N>[.p/<W>]"; width as in TilePath.
std::string EntryBundlePath(std::uint64_t index, int width);

// A parsed tile or entry bundle path.
struct TileRef {
  // An entry bundle rather than a hash tile.
  bool entries = false;
  // 0..63; 0 for entry bundles, which cover the leaves of the level-0 tile with their index.
  int level = 0;
  std::uint64_t index = 0;
  // 1..256; 256 for a full tile.
  int width = 0;
};

// Parses a path made by TilePath or EntryBundlePath (without URL prefix or leading '/').
// Strict: only the canonical form of each tile is accepted, so no leading zeros in the level
// or width, exactly three digits per index group, no "x000" leading group, width 1..255
// after ".p/", level 0..63, no index beyond 2^64 - 1, nothing else (no "..", empty elements,
// signs or trailing '/'). Error::BadInput otherwise.
Result<TileRef> ParseTilePath(std::string_view path);

// Returns the entries as an entry bundle: each one prefixed by its length as a big-endian
// uint16. An entry bigger than kMaxEntrySize is a programming error and aborts.
Bytes EncodeEntryBundle(std::span<const Bytes> entries);

// Splits an entry bundle that must hold exactly `expected_count` (1..256) entries.
// Error::BadInput if it is truncated, has trailing bytes or holds another number of entries.
Result<std::vector<Bytes>> DecodeEntryBundle(ByteView bundle, std::size_t expected_count);

// Splits a hash tile that must hold exactly `expected_width` (1..256) hashes. Error::BadInput
// if its size is not 32 * expected_width.
Result<std::vector<Hash>> DecodeHashTile(ByteView tile, int expected_width);

// Tile math. A `level` outside 0..63 is a programming error and aborts.

// Returns the number of complete tree nodes at tile level `level` (tree level 8 * level) in a
// tree of `size` leaves: the hashes that level's tiles hold, full and partial.
std::uint64_t TileLevelNodes(std::uint64_t size, int level);

// Returns the number of full tiles at `level` in a tree of `size` leaves.
std::uint64_t FullTileCount(std::uint64_t size, int level);

// Returns the width (0..255) of the partial tile at `level` in a tree of `size` leaves; 0 when
// there is none. For size 70000: 112 at level 0, 17 at level 1, 1 at level 2.
int PartialTileWidth(std::uint64_t size, int level);

// Returns the number of hashes (0..256) in tile `index` at `level` in a tree of `size` leaves:
// 256 for a full tile, 1..255 for the partial one, 0 for a tile that does not exist (yet).
// Entry bundle `index` has the width of the level-0 tile `index`.
int TileWidth(std::uint64_t size, int level, std::uint64_t index);

// Returns the hash of the complete subtree of height `height_in_tile` (0..8) whose leaves
// are tile_hashes[index_in_tile * 2^h, (index_in_tile + 1) * 2^h); height 0 is the tile hash
// itself and height 8 the root of a full tile (the hash stored in the tile above). The
// tile's own level L makes it the subtree at tree level 8 * L + height_in_tile with index
// tile_index * 2^(8 - height_in_tile) + index_in_tile. Error::BadInput if the tile has more
// than 256 hashes or does not hold that whole subtree.
Result<Hash> SubtreeHashFromTile(std::span<const Hash> tile_hashes, int height_in_tile,
                                 std::uint64_t index_in_tile);

}  // namespace vigil::tlog
