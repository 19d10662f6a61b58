// The tiles tree of a log directory on disk (tile/..., C2SP tlog-tiles) and its `checkpoint`
// file, as a TileStorage: reading hash tiles and entry bundles, with any damage reported
// naming the file; writing a batch's files (temp, fsync, rename) and then the checkpoint
// that covers them; and removing what an interrupted batch left beyond the checkpoint. It
// knows files, not trees: what a tree of a given size holds is the caller's (LogStore's).
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
#include "tlog/tile_storage.h"

namespace vigil::tlog {

// Tile levels 0..7 hold tree levels 0, 8, ..., 56: enough for any 64-bit size.
inline constexpr int kStoredTileLevels = 8;

class TileFiles : public TileStorage {
 public:
  // `read_only`: a writer may be running beside us, completing partial tiles and bundles
  // (and deleting them) after we read the checkpoint; reads then fall back to the full file.
  TileFiles(std::filesystem::path dir, bool read_only);

  // Failed: "the log DIR is damaged: FILE WHAT; restore it ...".
  Error Damaged(const std::string& file, const std::string& what) const override;

  Result<std::vector<Hash>> ReadFullTile(int level, std::uint64_t index) const override;
  Result<std::vector<Hash>> ReadPartialTile(int level, std::uint64_t index,
                                            int width) const override;
  Result<std::vector<Bytes>> ReadBundle(std::uint64_t index, int width) const override;
  Result<Bytes> ReadServed(std::string_view path, std::uint64_t size) const override;
  // DIR/checkpoint.
  Result<std::string> ReadCheckpoint() const override;

  // Writes the files durably, then replaces DIR/checkpoint atomically (the index rows are
  // the SQLite index's, added after).
  Status Commit(std::uint64_t old_size, std::uint64_t new_size,
                const std::map<std::string, Bytes>& files, std::span<const IndexedEntry> rows,
                const std::string& checkpoint) override;
  Status ReplaceCheckpoint(std::uint64_t size, const std::string& note) override;

  // Writes each (path under the directory, bytes) durably (temp, fsync, rename).
  Status Write(const std::map<std::string, Bytes>& files) const;
  void RemovePartials(std::span<const std::string> full_paths) const override;
  Status RemoveBeyond(std::uint64_t size) const override;

 private:
  Result<Bytes> ReadLogFile(const std::string& file, std::uint64_t max_size) const;

  std::filesystem::path dir_;
  bool read_only_;
};

}  // namespace vigil::tlog
