#include "tlog/fork_check.h"

#include "base/base64.h"
#include "tlog/prove.h"
#include "tlog/verify.h"

namespace vigil::tlog {

Status CheckExtends(const TileFetcher& fetch, const Checkpoint& older, const Checkpoint& newer) {
  if (newer.size < older.size) {
    return Error::Failed("the ledger's tree shrank from size " + std::to_string(older.size) +
                         " to " + std::to_string(newer.size) +
                         ": it is not append-only (a fork or a rollback)");
  }
  if (newer.size == older.size) {
    if (newer.root != older.root) {
      return Error::Failed("fork: two different roots for tree size " + std::to_string(newer.size) +
                           " (" + Base64Encode(older.root) + " and " + Base64Encode(newer.root) +
                           ")");
    }
    return OkStatus();
  }
  if (older.size == 0) return OkStatus();
  VIGIL_ASSIGN_OR_RETURN(
      std::vector<Hash> proof,
      ConsistencyProof(older.size, newer.size, MakeTileHashReader(newer.size, fetch)));
  Status consistent = VerifyConsistency(older.size, newer.size, proof, older.root, newer.root);
  if (!consistent.ok()) {
    return Error::Failed("fork: the tree of size " + std::to_string(newer.size) +
                         " does not extend the trusted tree of size " + std::to_string(older.size) +
                         ": " + consistent.error().message());
  }
  return OkStatus();
}

}  // namespace vigil::tlog
