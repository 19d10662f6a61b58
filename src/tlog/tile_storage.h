// Where a log's tiles tree (C2SP tlog-tiles: hash tiles and entry bundles, by path) and its
// signed checkpoint live. LogStore keeps the tree and the key; a TileStorage keeps bytes:
// files in a directory (tlog/tile_files.h) or rows in PostgreSQL (pg/log_storage.h). It
// knows paths, not trees: what a tree of a given size holds is LogStore's to say.
//
// The commit point is the checkpoint: Commit() makes a batch's tiles durable no later than
// the checkpoint that covers them, so whatever lies beyond the checkpoint is a leftover of
// an interrupted batch, ignored on reading and removed (RemoveBeyond) or overwritten.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "tlog/hash.h"
#include "tlog/log_index.h"
#include "tlog/tile.h"

namespace vigil::tlog {

class TileStorage {
 public:
  virtual ~TileStorage() = default;

  // Failed: "the log WHERE is damaged: FILE WHAT; restore it ...".
  virtual Error Damaged(const std::string& file, const std::string& what) const = 0;

  virtual Result<std::vector<Hash>> ReadFullTile(int level, std::uint64_t index) const = 0;
  virtual Result<std::vector<Hash>> ReadPartialTile(int level, std::uint64_t index,
                                                    int width) const = 0;
  // Entries [0, width) of bundle `index`.
  virtual Result<std::vector<Bytes>> ReadBundle(std::uint64_t index, int width) const = 0;
  // A file of a tree of `size` entries as a client asks for it (`tile/...`): BadInput for a
  // malformed path, Failed ("not found") beyond the tree or when it cannot be read.
  virtual Result<Bytes> ReadServed(std::string_view path, std::uint64_t size) const = 0;
  // The latest committed checkpoint (a signed note, not yet verified).
  virtual Result<std::string> ReadCheckpoint() const = 0;

  // Commits a batch that grows the tree from `old_size` to `new_size`: its `files` (path
  // under the log -> bytes), then `checkpoint`, which covers them. `rows` are the batch's
  // index rows, for a storage that commits the index with the checkpoint (CommitsIndex()).
  virtual Status Commit(std::uint64_t old_size, std::uint64_t new_size,
                        const std::map<std::string, Bytes>& files,
                        std::span<const IndexedEntry> rows, const std::string& checkpoint) = 0;
  // Replaces the committed checkpoint of a tree of `size` with `note`: the same checkpoint
  // with witnesses' cosignatures added.
  virtual Status ReplaceCheckpoint(std::uint64_t size, const std::string& note) = 0;
  // Whether Commit() writes the index rows too (then the store does not add them again).
  virtual bool CommitsIndex() const { return false; }

  // Deletes the partial versions of tiles and bundles that are now full (C2SP tlog-tiles lets
  // logs delete them; clients fall back to the full tile). Best effort.
  virtual void RemovePartials(std::span<const std::string> full_paths) const = 0;
  // Deletes every tile and bundle beyond a tree of `size` entries: an interrupted batch wrote
  // them, and later appends put other entries at those positions.
  virtual Status RemoveBeyond(std::uint64_t size) const = 0;

  // Each entry of bundle `index` has its leaf hash in `leaves` (read from `tile`).
  Status CheckBundle(std::uint64_t index, std::span<const Bytes> entries,
                     std::span<const Hash> leaves, const std::string& tile) const;
};

// The tile a client asks for by `path`, if it is part of a tree of `size` entries: BadInput
// for a malformed path, Failed ("not found: ... is beyond the tree") otherwise.
Result<TileRef> ServedTile(std::string_view path, std::uint64_t size);

}  // namespace vigil::tlog
