#include "tlog/tile.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "base/strict_number.h"

namespace vigil::tlog {
namespace {

constexpr std::string_view kTilePrefix = "tile/";
constexpr std::string_view kEntriesElement = "entries";
constexpr std::string_view kPartialSuffix = ".p";

// Parses a decimal number in [min, max] with no leading zeros, as the spec requires for the
// level and the width; returns -1 for anything else.
int ParseSmallDecimal(std::string_view text, int min, int max) {
  const ScannedNumber<std::uint64_t> value =
      ScanUnsigned(text, static_cast<std::uint64_t>(min), static_cast<std::uint64_t>(max),
                   LeadingZeros::kRefused);
  return value.ok() ? static_cast<int>(value.value) : -1;
}

// "<N>[.p/<W>]": N in 3-digit groups, every group but the last prefixed with 'x'.
std::string IndexAndWidth(std::uint64_t index, int width) {
  if (width < 1 || width > kFullTileWidth) std::abort();
  std::string digits = std::to_string(index);
  digits.insert(0, (3 - digits.size() % 3) % 3, '0');
  std::string out;
  for (std::size_t at = 0; at < digits.size(); at += 3) {
    if (at + 3 < digits.size()) out += 'x';
    out.append(digits, at, 3);
    if (at + 3 < digits.size()) out += '/';
  }
  if (width < kFullTileWidth) out += ".p/" + std::to_string(width);
  return out;
}

Error BadPath(const std::string& what) {
  return Error::BadInput("not a tile path: " + what +
                         " (expected tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>])");
}

}  // namespace

std::string TilePath(int level, std::uint64_t index, int width) {
  if (level < 0 || level > kMaxTileLevel) std::abort();
  return std::string(kTilePrefix) + std::to_string(level) + "/" + IndexAndWidth(index, width);
}

std::string EntryBundlePath(std::uint64_t index, int width) {
  return std::string(kTilePrefix) + std::string(kEntriesElement) + "/" +
         IndexAndWidth(index, width);
}

Result<TileRef> ParseTilePath(std::string_view path) {
  if (!path.starts_with(kTilePrefix)) return BadPath("it does not start with \"tile/\"");
  std::string_view rest = path.substr(kTilePrefix.size());

  // Split into '/'-separated elements; empty ones (from "//" or a trailing '/') are caught
  // below because no element may be empty.
  std::vector<std::string_view> elements;
  while (true) {
    const std::size_t slash = rest.find('/');
    elements.push_back(rest.substr(0, slash));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  // level, at least one index group, maybe a width; 20 digits need at most 7 groups.
  if (elements.size() < 2 || elements.size() > 1 + 7 + 1) {
    return BadPath("wrong number of path elements");
  }

  TileRef ref;
  if (elements[0] == kEntriesElement) {
    ref.entries = true;
  } else {
    ref.level = ParseSmallDecimal(elements[0], 0, kMaxTileLevel);
    if (ref.level < 0) return BadPath("the level must be 0..63 without leading zeros");
  }
  elements.erase(elements.begin());

  ref.width = kFullTileWidth;
  if (elements.size() >= 2 && elements[elements.size() - 2].ends_with(kPartialSuffix)) {
    ref.width = ParseSmallDecimal(elements.back(), 1, kFullTileWidth - 1);
    if (ref.width < 0) {
      return BadPath("the width after \".p/\" must be 1..255 without leading zeros");
    }
    elements.pop_back();
    elements.back().remove_suffix(kPartialSuffix.size());
  }

  if (elements.size() > 1 && elements[0] == "x000") {
    return BadPath("the index has a leading zero group");
  }
  std::uint64_t index = 0;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    std::string_view group = elements[i];
    const bool last = i + 1 == elements.size();
    if (!last) {
      if (!group.starts_with('x')) return BadPath("every index group but the last starts with x");
      group.remove_prefix(1);
    }
    const ScannedNumber<std::uint64_t> digits = ScanUnsigned(group);  // "000".."999"
    if (group.size() != 3 || !digits.ok()) {
      return BadPath("each index group must have exactly three digits");
    }
    const std::uint64_t value = digits.value;
    if (index > (std::numeric_limits<std::uint64_t>::max() - value) / 1000) {
      return BadPath("the index is above 2^64 - 1");
    }
    index = index * 1000 + value;
  }
  ref.index = index;
  return ref;
}

Bytes EncodeEntryBundle(std::span<const Bytes> entries) {
  std::size_t total = 0;
  for (const Bytes& entry : entries) total += 2 + entry.size();
  Bytes out;
  out.reserve(total);
  for (const Bytes& entry : entries) {
    if (entry.size() > kMaxEntrySize) std::abort();
    out.push_back(static_cast<std::uint8_t>(entry.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(entry.size() & 0xff));
    out.insert(out.end(), entry.begin(), entry.end());
  }
  return out;
}

Result<std::vector<Bytes>> DecodeEntryBundle(ByteView bundle, std::size_t expected_count) {
  if (expected_count < 1 || expected_count > static_cast<std::size_t>(kFullTileWidth)) {
    return Error::BadInput("an entry bundle holds 1 to 256 entries, not " +
                           std::to_string(expected_count));
  }
  std::vector<Bytes> entries;
  entries.reserve(expected_count);
  std::size_t at = 0;
  while (entries.size() < expected_count) {
    const std::string position = " at byte " + std::to_string(at) + " (entry " +
                                 std::to_string(entries.size()) + " of " +
                                 std::to_string(expected_count) + ")";
    if (bundle.size() - at < 2) {
      return Error::BadInput("entry bundle is truncated" + position +
                             "; it is damaged, or is not the bundle of this tree size");
    }
    const std::size_t length = (static_cast<std::size_t>(bundle[at]) << 8) | bundle[at + 1];
    at += 2;
    if (bundle.size() - at < length) {
      return Error::BadInput("entry bundle is truncated" + position +
                             "; it is damaged, or is not the bundle of this tree size");
    }
    entries.emplace_back(bundle.begin() + static_cast<std::ptrdiff_t>(at),
                         bundle.begin() + static_cast<std::ptrdiff_t>(at + length));
    at += length;
  }
  if (at != bundle.size()) {
    return Error::BadInput("entry bundle has " + std::to_string(bundle.size() - at) +
                           " bytes after its " + std::to_string(expected_count) +
                           " entries; it holds more entries than the tree size implies");
  }
  return entries;
}

Result<std::vector<Hash>> DecodeHashTile(ByteView tile, int expected_width) {
  if (expected_width < 1 || expected_width > kFullTileWidth) {
    return Error::BadInput("a hash tile holds 1 to 256 hashes, not " +
                           std::to_string(expected_width));
  }
  const std::size_t want = static_cast<std::size_t>(expected_width) * sizeof(Hash);
  if (tile.size() != want) {
    return Error::BadInput("hash tile has " + std::to_string(tile.size()) + " bytes, expected " +
                           std::to_string(want) + " (" + std::to_string(expected_width) +
                           " hashes); it is damaged, or is not the tile of this tree size");
  }
  std::vector<Hash> hashes(static_cast<std::size_t>(expected_width));
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    std::copy_n(tile.begin() + static_cast<std::ptrdiff_t>(i * sizeof(Hash)), sizeof(Hash),
                hashes[i].begin());
  }
  return hashes;
}

std::uint64_t TileLevelNodes(std::uint64_t size, int level) {
  if (level < 0 || level > kMaxTileLevel) std::abort();
  const int shift = level * kTileHeight;
  return shift >= 64 ? 0 : size >> shift;
}

std::uint64_t FullTileCount(std::uint64_t size, int level) {
  return TileLevelNodes(size, level) >> kTileHeight;
}

int PartialTileWidth(std::uint64_t size, int level) {
  return static_cast<int>(TileLevelNodes(size, level) & (kFullTileWidth - 1));
}

int TileWidth(std::uint64_t size, int level, std::uint64_t index) {
  const std::uint64_t full = FullTileCount(size, level);
  if (index < full) return kFullTileWidth;
  if (index == full) return PartialTileWidth(size, level);
  return 0;
}

Result<Hash> SubtreeHashFromTile(std::span<const Hash> tile_hashes, int height_in_tile,
                                 std::uint64_t index_in_tile) {
  if (tile_hashes.size() > static_cast<std::size_t>(kFullTileWidth)) {
    return Error::BadInput("a tile holds at most 256 hashes, not " +
                           std::to_string(tile_hashes.size()));
  }
  if (height_in_tile < 0 || height_in_tile > kTileHeight) {
    return Error::BadInput("subtree height in a tile must be 0..8, not " +
                           std::to_string(height_in_tile));
  }
  const std::size_t count = std::size_t{1} << height_in_tile;
  if (index_in_tile >= tile_hashes.size() / count) {
    return Error::BadInput("the tile's " + std::to_string(tile_hashes.size()) +
                           " hashes do not hold subtree " + std::to_string(index_in_tile) +
                           " of height " + std::to_string(height_in_tile));
  }
  // Hash pairs level by level; at most 255 node hashes for a full tile.
  const std::size_t first = static_cast<std::size_t>(index_in_tile) * count;
  std::vector<Hash> level(tile_hashes.begin() + static_cast<std::ptrdiff_t>(first),
                          tile_hashes.begin() + static_cast<std::ptrdiff_t>(first + count));
  while (level.size() > 1) {
    for (std::size_t i = 0; i < level.size() / 2; ++i) {
      level[i] = NodeHash(level[2 * i], level[2 * i + 1]);
    }
    level.resize(level.size() / 2);
  }
  return level[0];
}

}  // namespace vigil::tlog
