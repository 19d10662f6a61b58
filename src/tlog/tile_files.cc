#include "tlog/tile_files.h"

#include <system_error>

#include "base/file.h"
#include "base/strict_number.h"
#include "tlog/store.h"
#include "tlog/tile.h"

namespace vigil::tlog {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kTileWidth = kFullTileWidth;
constexpr std::uint64_t kMaxHashTileSize = kTileWidth * 32;
constexpr std::uint64_t kMaxBundleSize = kTileWidth * (2 + kMaxStoredEntrySize);
constexpr std::uint64_t kMaxCheckpointSize = 64 * 1024;

// Removes the full file and the partials of tile `index` when they lie beyond `nodes`
// (keeping partials narrower than the current width), then every later tile.
template <typename PathOf>
void RemoveTilesBeyond(const fs::path& dir, PathOf path_of, std::uint64_t nodes,
                       std::error_code& ec) {
  const std::uint64_t index = nodes / kTileWidth;
  const int width = static_cast<int>(nodes % kTileWidth);
  fs::remove(dir / path_of(index, 256), ec);
  const fs::path partials = (dir / path_of(index, 1)).parent_path();
  if (fs::is_directory(partials, ec)) {
    for (const auto& file : fs::directory_iterator(partials, ec)) {
      const std::string name = file.path().filename().string();
      if (!ScanUnsigned(name, 0, static_cast<std::uint64_t>(width)).ok()) {
        fs::remove(file.path(), ec);
      }
    }
  }
  for (std::uint64_t next = index + 1;; ++next) {
    const fs::path full = dir / path_of(next, 256);
    const fs::path next_partials = (dir / path_of(next, 1)).parent_path();
    if (!fs::exists(full, ec) && !fs::exists(next_partials, ec)) {
      break;
    }
    fs::remove(full, ec);
    fs::remove_all(next_partials, ec);
  }
}

}  // namespace

TileFiles::TileFiles(fs::path dir, bool read_only) : dir_(std::move(dir)), read_only_(read_only) {}

Error TileFiles::Damaged(const std::string& file, const std::string& what) const {
  return Error::Failed("the log " + dir_.string() + " is damaged: " + file + " " + what +
                       "; restore it from a good copy of the log (`vigil log fsck " +
                       dir_.string() + "` checks every file)");
}

Result<Bytes> TileFiles::ReadLogFile(const std::string& file, std::uint64_t max_size) const {
  const fs::path path = dir_ / file;
  auto bytes = ReadFile(path, max_size);
  if (bytes.ok()) {
    return bytes;
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    return Damaged(file, "is missing (the checkpoint covers it)");
  }
  return Damaged(file, "cannot be read: " + bytes.error().message());
}

Result<std::vector<Hash>> TileFiles::ReadFullTile(int level, std::uint64_t index) const {
  const std::string file = TilePath(level, index, 256);
  VIGIL_ASSIGN_OR_RETURN(Bytes tile, ReadLogFile(file, kMaxHashTileSize));
  auto hashes = DecodeHashTile(tile, 256);
  if (!hashes.ok()) {
    return Damaged(file, "is malformed: " + hashes.error().message());
  }
  return hashes;
}

Result<std::vector<Hash>> TileFiles::ReadPartialTile(int level, std::uint64_t index,
                                                     int width) const {
  const std::string file = TilePath(level, index, width);
  std::error_code ec;
  if (read_only_ && !fs::exists(dir_ / file, ec) &&
      fs::exists(dir_ / TilePath(level, index, 256), ec)) {
    // A writer completed the tile since the checkpoint was read and deleted the partial one.
    VIGIL_ASSIGN_OR_RETURN(std::vector<Hash> full, ReadFullTile(level, index));
    full.resize(static_cast<std::size_t>(width));
    return full;
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes tile, ReadLogFile(file, kMaxHashTileSize));
  auto hashes = DecodeHashTile(tile, width);
  if (!hashes.ok()) {
    return Damaged(file, "is malformed: " + hashes.error().message());
  }
  return hashes;
}

Result<std::vector<Bytes>> TileFiles::ReadBundle(std::uint64_t index, int width) const {
  std::string file = EntryBundlePath(index, width);
  int stored_width = width;
  std::error_code ec;
  if (width < 256 && read_only_ && !fs::exists(dir_ / file, ec) &&
      fs::exists(dir_ / EntryBundlePath(index, 256), ec)) {
    file = EntryBundlePath(index, 256);
    stored_width = 256;
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes bundle, ReadLogFile(file, kMaxBundleSize));
  auto entries = DecodeEntryBundle(bundle, static_cast<std::size_t>(stored_width));
  if (!entries.ok()) {
    return Damaged(file, "is malformed: " + entries.error().message());
  }
  entries->resize(static_cast<std::size_t>(width));
  return entries;
}

Result<Bytes> TileFiles::ReadServed(std::string_view path, std::uint64_t size) const {
  VIGIL_ASSIGN_OR_RETURN(TileRef ref, ServedTile(path, size));
  auto bytes = ReadFile(dir_ / std::string(path), ref.entries ? kMaxBundleSize : kMaxHashTileSize,
                        /*allow_symlink=*/false);
  if (!bytes.ok()) {
    return Error::Failed("not found: " + std::string(path));
  }
  return bytes;
}

Result<std::string> TileFiles::ReadCheckpoint() const {
  VIGIL_ASSIGN_OR_RETURN(
      Bytes bytes, ReadFile(dir_ / "checkpoint", kMaxCheckpointSize, /*allow_symlink=*/false));
  return std::string(bytes.begin(), bytes.end());
}

Status TileFiles::Commit(std::uint64_t, std::uint64_t, const std::map<std::string, Bytes>& files,
                         std::span<const IndexedEntry>, const std::string& checkpoint) {
  VIGIL_RETURN_IF_ERROR(Write(files));
  // The commit point: the checkpoint covering the batch, written only once every tile and
  // bundle it covers is on disk.
  return WriteFileAtomic(dir_ / "checkpoint", AsBytes(checkpoint));
}

Status TileFiles::ReplaceCheckpoint(std::uint64_t, const std::string& note) {
  return WriteFileAtomic(dir_ / "checkpoint", AsBytes(note));
}

Status TileFiles::Write(const std::map<std::string, Bytes>& files) const {
  std::error_code ec;
  for (const auto& [path, bytes] : files) {
    const fs::path file = dir_ / path;
    fs::create_directories(file.parent_path(), ec);
    VIGIL_RETURN_IF_ERROR(WriteFileAtomic(file, bytes));
  }
  return OkStatus();
}

void TileFiles::RemovePartials(std::span<const std::string> full_paths) const {
  std::error_code ec;
  for (const std::string& full : full_paths) {
    fs::remove_all(dir_ / (full + ".p"), ec);
  }
}

Status TileFiles::RemoveBeyond(std::uint64_t size) const {
  std::error_code ec;
  for (int level = 0; level < kStoredTileLevels; ++level) {
    RemoveTilesBeyond(
        dir_, [level](std::uint64_t index, int width) { return TilePath(level, index, width); },
        TileLevelNodes(size, level), ec);
  }
  RemoveTilesBeyond(
      dir_, [](std::uint64_t index, int width) { return EntryBundlePath(index, width); }, size, ec);
  if (ec) {
    return Error::Failed("cannot clean up after an interrupted append in " + dir_.string() + ": " +
                         ec.message());
  }
  return OkStatus();
}

}  // namespace vigil::tlog
