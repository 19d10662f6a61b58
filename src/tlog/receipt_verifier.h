// Verifies receipts of one log against its pinned key, remembering the checkpoints it has
// already verified: a busy verifier (the signer, the builder) sees the same few checkpoints
// over and over, and an Ed25519 check per receipt is the costly part. Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/receipt.h"
#include "tlog/witness_policy.h"

namespace vigil::tlog {

class ReceiptVerifier {
 public:
  // Checkpoints of `origin` signed by `verifier`; at most `cache_size` remembered.
  ReceiptVerifier(NoteVerifier verifier, std::string origin, std::size_t cache_size = 64);
  // A log whose origin is its key's name, as Vigil's ledger is.
  explicit ReceiptVerifier(NoteVerifier verifier);

  // From now on a checkpoint must also meet `policy` (C2SP tlog-policy: witnesses'
  // cosignatures); Failed "witness policy not met" otherwise. Call before sharing.
  void RequireWitnesses(WitnessPolicy policy) { policy_ = std::move(policy); }

  const NoteVerifier& verifier() const { return verifier_; }
  const std::string& origin() const { return origin_; }

  // OpenCheckpoint (tlog/checkpoint.h) with this log's key and origin, from the cache when
  // the same note was verified before.
  Result<Checkpoint> OpenCheckpoint(std::string_view note) const;

  // VerifyReceipt (tlog/receipt.h) with the checkpoint opened as above: `entry` is at the
  // receipt's index in the checkpoint's tree. Returns the checkpoint.
  Result<Checkpoint> Verify(const Receipt& receipt, ByteView entry) const;
  // The same with the entry the receipt carries (BadInput without an extra line).
  Result<Checkpoint> Verify(const Receipt& receipt) const;

 private:
  NoteVerifier verifier_;
  std::string origin_;
  std::size_t cache_size_;
  std::optional<WitnessPolicy> policy_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, Checkpoint, std::less<>> verified_;
};

}  // namespace vigil::tlog
