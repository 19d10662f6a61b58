// QuorumOS's genesis ceremony, as data (tkhq/qos qos_core protocol/services/genesis.rs at
// 3d967352): the share set a ceremony is asked for, and what it answers. The enclave makes
// a fresh quorum key, splits its 32-byte seed K-of-N in member order, encrypts each share
// to its member, wraps the seed to the optional disaster-recovery key, and attests with
// user_data = SHA-256 of the output's Borsh form (docs/SPEC-quorum.md, "Genesis").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "quorum/borsh.h"
#include "quorum/manifest.h"

namespace vigil::quorum {

// The share set a genesis ceremony creates. Borsh: members, then threshold.
struct GenesisSet {
  std::vector<QuorumMember> members;
  std::uint32_t threshold = 0;
  bool operator==(const GenesisSet&) const = default;
};

// What one share holder receives.
struct GenesisMemberOutput {
  QuorumMember share_set_member;
  Bytes encrypted_quorum_key_share;   // the 33-byte share, encrypted to the member (130 bytes)
  crypto::Sha512Digest share_hash{};  // SHA-512 of the plaintext share
  bool operator==(const GenesisMemberOutput&) const = default;
};

// The whole output. QuorumOS always writes `recovery_permutations` empty; a non-empty one
// is refused when read, since nothing defines what it would promise.
struct GenesisOutput {
  GenesisSet set;
  std::optional<Bytes> dr_key;
  Bytes quorum_key;  // the 130-byte P256Public
  std::vector<GenesisMemberOutput> member_outputs;
  std::optional<Bytes> dr_key_wrapped_quorum_key;  // the seed, encrypted to dr_key
  crypto::Sha512Digest quorum_key_hash{};          // SHA-512 of the seed as lowercase hex
  Bytes test_message_ciphertext;                   // test_message, encrypted to quorum_key
  Bytes test_message_signature;                    // by the quorum key, over test_message
  Bytes test_message;
  bool operator==(const GenesisOutput&) const = default;
};

// The output's quorum_key_hash: SHA-512 of the seed written as 64 lowercase hex characters
// (the hex is wiped).
crypto::Sha512Digest QuorumKeyHash(ByteView seed);

// The message QuorumOS encrypts and signs with a new quorum key.
inline constexpr std::string_view kGenesisTestMessage = "qos-test-message";
inline constexpr std::size_t kMaxGenesisOutputBytes = 1 << 20;

// Refuses a set QuorumOS would refuse, naming the check: a threshold below 2 or above the
// member count (QosCrypto, from Shamir), or a member twice (DuplicateQuorumMember).
Status CheckGenesisSet(const GenesisSet& set);

Result<Bytes> EncodeGenesisOutputBorsh(const GenesisOutput& output);
// Strict: every byte read, the bounds of quorum/manifest.h, an empty recovery list.
Result<GenesisOutput> DecodeGenesisOutputBorsh(ByteView bytes);
// One member's output in Borsh (member, encrypted share, share hash), as genesis writes it
// and resharding reuses.
Status WriteMemberOutputBorsh(BorshWriter& out, const GenesisMemberOutput& member);
Result<GenesisMemberOutput> ReadMemberOutputBorsh(BorshReader& in);
// What the genesis attestation's user_data holds: SHA-256 of the Borsh form.
Result<crypto::Sha256Digest> GenesisOutputHash(const GenesisOutput& output);

}  // namespace vigil::quorum
