// The signer's rule: sign only digests that a logged, completed build of this very caller
// declared. Checks run in this order and the first failure is the verdict:
//   checkpoint  the receipt's checkpoint is signed by the pinned ledger key, for its origin
//               (and cosigned as the witness policy requires, when one is configured)
//   inclusion   the entry is in that checkpoint's tree (the receipt's inclusion proof)
//   entry       the entry is a build-log with status "closed"
//   builder     the entry's builder identity (name and tags) is the caller's
//   digests     every requested digest is among the entry's artifacts
//   freshness   the checkpoint's time is within the freshness window (and not ahead of us)
// The last check, that the build was not signed with this key before, is ReplayStore's.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "provenance/build_log_entry.h"
#include "provenance/sign_request.h"
#include "rpc/policy.h"
#include "tlog/checkpoint.h"
#include "tlog/note.h"
#include "tlog/receipt_verifier.h"

namespace vigil::signer {

struct LedgerTrust {
  tlog::NoteVerifier verifier;
  std::string origin;
  std::chrono::seconds freshness{600};
  std::chrono::seconds max_clock_skew{60};
  // When set, a receipt's checkpoint must carry the witnesses' cosignatures it requires.
  std::optional<tlog::WitnessPolicy> witnesses;
};

struct Approval {
  provenance::LoggedBuild build;
  std::vector<provenance::LoggedArtifact>
      subjects;  // the requested artifacts, in the entry's order
  std::uint64_t ledger_index = 0;
  std::uint64_t checkpoint_size = 0;
  std::int64_t checkpoint_time = 0;
};

struct Verdict {
  bool approved() const { return check.empty(); }
  std::string check;   // the check that failed (names above); empty when approved
  std::string reason;  // why, for the caller and the audit log
  Approval approval;   // when approved
};

class Approver {
 public:
  explicit Approver(LedgerTrust trust)
      : trust_(std::move(trust)), receipts_(trust_.verifier, trust_.origin) {
    if (trust_.witnesses) receipts_.RequireWitnesses(*trust_.witnesses);
  }

  // `now` in seconds since the epoch. Thread-safe.
  Verdict Check(const provenance::SignRequest& request, const rpc::CallIdentity& caller,
                std::int64_t now);

  const LedgerTrust& trust() const { return trust_; }
  // The ledger's receipts, checked with the pinned key. Builds closed in one batch share a
  // checkpoint, so its signature is verified once for all of them (and for the signer's
  // own signature records).
  const tlog::ReceiptVerifier& receipts() const { return receipts_; }

 private:
  LedgerTrust trust_;
  tlog::ReceiptVerifier receipts_;
};

}  // namespace vigil::signer
