#include "tlog/receipt_verifier.h"

namespace vigil::tlog {

ReceiptVerifier::ReceiptVerifier(NoteVerifier verifier, std::string origin, std::size_t cache_size)
    : verifier_(std::move(verifier)), origin_(std::move(origin)), cache_size_(cache_size) {}

ReceiptVerifier::ReceiptVerifier(NoteVerifier verifier)
    : ReceiptVerifier(verifier, verifier.name()) {}

Result<Checkpoint> ReceiptVerifier::OpenCheckpoint(std::string_view note) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = verified_.find(note); it != verified_.end()) return it->second;
  }
  VIGIL_ASSIGN_OR_RETURN(Checkpoint checkpoint, tlog::OpenCheckpoint(note, verifier_, origin_));
  if (policy_) VIGIL_RETURN_IF_ERROR(CheckWitnessPolicy(*policy_, note));
  std::lock_guard lock(mutex_);
  // Dropped wholesale when full: the next receipts name the newest checkpoints anyway.
  if (verified_.size() >= cache_size_) verified_.clear();
  verified_.emplace(std::string(note), checkpoint);
  return checkpoint;
}

Result<Checkpoint> ReceiptVerifier::Verify(const Receipt& receipt, ByteView entry) const {
  VIGIL_ASSIGN_OR_RETURN(Checkpoint checkpoint, OpenCheckpoint(receipt.checkpoint));
  VIGIL_RETURN_IF_ERROR(VerifyReceiptInclusion(receipt, entry, checkpoint));
  return checkpoint;
}

Result<Checkpoint> ReceiptVerifier::Verify(const Receipt& receipt) const {
  if (!receipt.extra.has_value()) {
    return Error::BadInput(
        "the receipt has no extra line carrying the entry; give the entry to verify it against");
  }
  return Verify(receipt, *receipt.extra);
}

}  // namespace vigil::tlog
