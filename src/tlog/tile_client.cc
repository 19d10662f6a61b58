#include "tlog/tile_client.h"

#include "tlog/prove.h"
#include "tlog/tile.h"
#include "tlog/verify.h"

namespace vigil::tlog {

Result<Checkpoint> FetchCheckpoint(const TileFetcher& fetch, const NoteVerifier& verifier,
                                   const std::string& origin, std::string* note) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, fetch("checkpoint"));
  const std::string text(bytes.begin(), bytes.end());
  auto checkpoint = OpenCheckpoint(text, verifier, origin);
  if (!checkpoint.ok()) return checkpoint.error().WithContext("the ledger's checkpoint");
  if (note != nullptr) *note = text;
  return checkpoint;
}

Result<Bytes> FetchProvenEntry(const TileFetcher& fetch, std::uint64_t index,
                               const Checkpoint& checkpoint) {
  if (index >= checkpoint.size) {
    return Error::Failed("entry " + std::to_string(index) + " is beyond the ledger's tree (size " +
                         std::to_string(checkpoint.size) + ")");
  }
  const std::uint64_t bundle = index / kFullTileWidth;
  const int width = TileWidth(checkpoint.size, 0, bundle);
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, fetch(EntryBundlePath(bundle, width)));
  VIGIL_ASSIGN_OR_RETURN(std::vector<Bytes> entries,
                         DecodeEntryBundle(bytes, static_cast<std::size_t>(width)));
  Bytes entry = std::move(entries[index % kFullTileWidth]);
  VIGIL_ASSIGN_OR_RETURN(
      std::vector<Hash> proof,
      InclusionProof(index, checkpoint.size, MakeTileHashReader(checkpoint.size, fetch)));
  Status included =
      VerifyInclusion(index, checkpoint.size, LeafHash(entry), proof, checkpoint.root);
  if (!included.ok()) {
    return included.error().WithContext("entry " + std::to_string(index) +
                                        " served by the ledger is not in its signed tree");
  }
  return entry;
}

}  // namespace vigil::tlog
