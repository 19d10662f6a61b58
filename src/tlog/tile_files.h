// The tiles tree of a log directory on disk (tile/..., C2SP tlog-tiles): reading hash tiles
// and entry bundles, with any damage reported naming the file; writing a batch's files; and
// removing what an interrupted batch left beyond the checkpoint. It knows files, not trees:
// what a tree of a given size holds is the caller's (LogStore's) to say.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "tlog/hash.h"

namespace vigil::tlog {

// Tile levels 0..7 hold tree levels 0, 8, ..., 56: enough for any 64-bit size.
inline constexpr int kStoredTileLevels = 8;

class TileFiles {
 public:
  // `read_only`: a writer may be running beside us, completing partial tiles and bundles
  // (and deleting them) after we read the checkpoint; reads then fall back to the full file.
  TileFiles(std::filesystem::path dir, bool read_only);

  // Failed: "the log DIR is damaged: FILE WHAT; restore it ...".
  Error Damaged(const std::string& file, const std::string& what) const;

  Result<std::vector<Hash>> ReadFullTile(int level, std::uint64_t index) const;
  Result<std::vector<Hash>> ReadPartialTile(int level, std::uint64_t index, int width) const;
  // Entries [0, width) of bundle `index`.
  Result<std::vector<Bytes>> ReadBundle(std::uint64_t index, int width) const;
  // Each entry of bundle `index` has its leaf hash in `leaves` (read from `tile`).
  Status CheckBundle(std::uint64_t index, std::span<const Bytes> entries,
                     std::span<const Hash> leaves, const std::string& tile) const;

  // A file of a tree of `size` entries as a client asks for it (`tile/...`): BadInput for a
  // malformed path, Failed ("not found") beyond the tree or when it cannot be read.
  Result<Bytes> ReadServed(std::string_view path, std::uint64_t size) const;

  // Writes each (path under the directory, bytes) durably (temp, fsync, rename).
  Status Write(const std::map<std::string, Bytes>& files) const;
  // Deletes the partial versions of tiles and bundles that are now full (C2SP tlog-tiles lets
  // logs delete them; clients fall back to the full tile). Best effort.
  void RemovePartials(std::span<const std::string> full_paths) const;
  // Deletes every tile and bundle beyond a tree of `size` entries: an interrupted batch wrote
  // them, and later appends put other entries at those positions.
  Status RemoveBeyond(std::uint64_t size) const;

 private:
  Result<Bytes> ReadLogFile(const std::string& file, std::uint64_t max_size) const;

  std::filesystem::path dir_;
  bool read_only_;
};

}  // namespace vigil::tlog
