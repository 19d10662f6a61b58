#include "tlog/tile_reader.h"

#include <memory>
#include <span>

#include "tlog/tile.h"

namespace vigil::tlog {
namespace {

constexpr std::uint64_t kTileWidth = 256;

struct TileCache {
  std::uint64_t size;
  TileFetcher fetch;
  std::map<std::pair<int, std::uint64_t>, std::vector<Hash>> tiles;

  Result<const std::vector<Hash>*> Get(int tile_level, std::uint64_t tile_index) {
    auto found = tiles.find({tile_level, tile_index});
    if (found != tiles.end()) {
      return &found->second;
    }
    const int width = TileWidth(size, tile_level, tile_index);
    if (width == 0) {
      return Error::Failed("tile " + std::to_string(tile_level) + "/" + std::to_string(tile_index) +
                           " is not part of the tree of size " + std::to_string(size));
    }
    auto bytes = fetch(TilePath(tile_level, tile_index, width));
    std::vector<Hash> hashes;
    if (bytes.ok()) {
      VIGIL_ASSIGN_OR_RETURN(hashes, DecodeHashTile(*bytes, width));
    } else if (width < 256) {
      // The log completed this tile since and may have deleted the partial one.
      auto full = fetch(TilePath(tile_level, tile_index, 256));
      if (!full.ok()) {
        return bytes.error();
      }
      VIGIL_ASSIGN_OR_RETURN(hashes, DecodeHashTile(*full, 256));
      hashes.resize(width);
    } else {
      return bytes.error();
    }
    return &(tiles[{tile_level, tile_index}] = std::move(hashes));
  }
};

}  // namespace

HashReader MakeTileHashReader(std::uint64_t size, TileFetcher fetch) {
  auto cache = std::make_shared<TileCache>(TileCache{size, std::move(fetch), {}});
  return [cache](int level, std::uint64_t index) -> Result<Hash> {
    if (level < 0 || level >= 64 || index >= (cache->size >> level)) {
      return Error::Failed("no complete subtree at level " + std::to_string(level) + " index " +
                           std::to_string(index));
    }
    const int tile_level = level / kTileHeight;
    const int height = level % kTileHeight;
    const std::uint64_t per_tile = kTileWidth >> height;
    VIGIL_ASSIGN_OR_RETURN(const std::vector<Hash>* hashes,
                           cache->Get(tile_level, index / per_tile));
    return SubtreeHashFromTile(*hashes, height, index % per_tile);
  };
}

}  // namespace vigil::tlog
