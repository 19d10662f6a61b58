// Resharding (Vigil's own; docs/SPEC-quorum.md, "Resharding"): a quorum key changes hands
// without ever leaving an enclave. The reshard manifest names the namespace's current
// manifest (its quorum key, manifest set, share set, enclave measurements) and the new share
// set; the manifest set approves its hash, and each old share holder approves the same hash
// when it sends its share, so neither the host nor either set alone can redirect the key.
// The enclave rebuilds the key from the old threshold, checks it is the namespace's, splits
// its seed to the new set and attests to the output (user_data = SHA-256 of its Borsh form).
#pragma once

#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "quorum/genesis_output.h"
#include "quorum/manifest.h"

namespace vigil::quorum {

inline constexpr std::string_view kReshardVersion = "vigil-reshard-v1";
inline constexpr std::size_t kMaxReshardOutputBytes = 1 << 20;

struct ReshardManifest {
  Manifest manifest;        // the namespace's current manifest; its share set holds the key now
  MemberSet new_share_set;  // who holds it after
  bool operator==(const ReshardManifest&) const = default;
};

struct ReshardEnvelope {
  ReshardManifest reshard;
  std::vector<Approval> manifest_set_approvals;  // over ReshardHash(reshard)
  bool operator==(const ReshardEnvelope&) const = default;
};

// What the enclave answers once the key is resharded. Borsh: reshard_hash [u8;32],
// quorum_key Vec<u8>, threshold u32, member_outputs Vec<GenesisMemberOutput> (as genesis).
struct ReshardOutput {
  crypto::Sha256Digest reshard_hash{};              // the approved reshard manifest this answers
  Bytes quorum_key;                                 // the namespace's quorum key, unchanged
  std::uint32_t threshold = 0;                      // the new share set's
  std::vector<GenesisMemberOutput> member_outputs;  // in the new set's member order
  bool operator==(const ReshardOutput&) const = default;
};

// SHA-256 of the reshard manifest's canonical JSON (qos_json, as a V2 manifest is hashed):
// {"manifest": ..., "newShareSet": ..., "version": "vigil-reshard-v1"}.
Result<crypto::Sha256Digest> ReshardHash(const ReshardManifest& reshard);

// What the enclave and the tools refuse before anything else, naming the check: a new set
// Shamir cannot serve or with a member twice (as genesis), or a namespace quorum key that is
// not a P256 public key.
Status CheckReshardManifest(const ReshardManifest& reshard);

// The envelope's manifest-set approvals over `hash`, as QuorumOS checks a manifest's.
Status CheckReshardApprovals(const ReshardEnvelope& envelope, const crypto::Sha256Digest& hash);

Result<Bytes> EncodeReshardOutputBorsh(const ReshardOutput& output);
// Strict: every byte read, the bounds of quorum/manifest.h.
Result<ReshardOutput> DecodeReshardOutputBorsh(ByteView bytes);

// The output answers this reshard: its hash, the namespace's quorum key, the new threshold,
// and one share per new member in the set's order. Failed naming what differs.
Status CheckReshardOutput(const ReshardOutput& output, const ReshardManifest& reshard);

}  // namespace vigil::quorum
