// The ledger's side of verifying a signed artifact (`vigil verify-artifact --ledger`): the
// build the provenance names is a closed build-log entry of the ledger that declared the
// artifact, and the signer logged a signature record of exactly this envelope, both proved
// against the ledger's signed checkpoint. The ledger is read through `fetch` (its tiles,
// "checkpoint" and "builds/ID/signatures"), so the transport is the caller's.
#pragma once

#include <cstdint>
#include <string>

#include "base/result.h"
#include "provenance/signed_artifact.h"
#include "tlog/note.h"
#include "tlog/tile_reader.h"

namespace vigil::provenance {

// What the ledger proved: the build entry and the signature record, both in its tree.
struct LedgerProof {
  std::uint64_t tree_size = 0;
  std::uint64_t build_index = 0;
  std::uint64_t record_index = 0;
};

// The most signature records of one build the ledger may list.
inline constexpr std::size_t kMaxSignatureRecords = 64;

// Checks `artifact` against the ledger whose checkpoint key is `verifier` (it must be the
// ledger the statement names). Failed, saying what does not match, when the entry or the
// record is missing or differs (a re-encoded envelope is named as such); errors of
// `fetch` are passed through.
Result<LedgerProof> CheckLedger(const tlog::TileFetcher& fetch, const tlog::NoteVerifier& verifier,
                                const SignedArtifact& artifact);

}  // namespace vigil::provenance
