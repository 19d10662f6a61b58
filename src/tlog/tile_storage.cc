#include "tlog/tile_storage.h"

namespace vigil::tlog {

Status TileStorage::CheckBundle(std::uint64_t index, std::span<const Bytes> entries,
                                std::span<const Hash> leaves, const std::string& tile) const {
  for (std::size_t i = 0; i < entries.size() && i < leaves.size(); ++i) {
    if (LeafHash(entries[i]) != leaves[i]) {
      return Damaged(EntryBundlePath(index, static_cast<int>(entries.size())),
                     "holds entry " + std::to_string(index * kFullTileWidth + i) +
                         " with bytes that do not match its leaf hash in " + tile);
    }
  }
  return OkStatus();
}

Result<TileRef> ServedTile(std::string_view path, std::uint64_t size) {
  VIGIL_ASSIGN_OR_RETURN(TileRef ref, ParseTilePath(path));
  const std::uint64_t nodes = ref.entries ? size : TileLevelNodes(size, ref.level);
  const std::uint64_t full_tiles = nodes / kFullTileWidth;
  const bool within = ref.width == 256
                          ? ref.index < full_tiles
                          : ref.index == full_tiles &&
                                static_cast<std::uint64_t>(ref.width) <= nodes % kFullTileWidth;
  if (!within) {
    return Error::Failed("not found: " + std::string(path) + " is beyond the tree of size " +
                         std::to_string(size));
  }
  return ref;
}

}  // namespace vigil::tlog
