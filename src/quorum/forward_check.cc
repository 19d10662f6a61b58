#include "quorum/forward_check.h"

#include <algorithm>
#include <string>

#include "base/hex.h"
#include "quorum/approvals.h"
#include "quorum/borsh.h"
#include "quorum/manifest_borsh.h"

namespace vigil::quorum {
namespace {

Error Differs(std::string_view name, const std::string& expected, const std::string& actual) {
  return Error::Failed(std::string(name) + ": expected " + expected + ", actual " + actual);
}

// QuorumOS's qos_hash of a manifest set with its members sorted: SHA-256 of its Borsh form.
std::string SortedSetHash(MemberSet set) {
  std::sort(set.members.begin(), set.members.end(),
            [](const QuorumMember& a, const QuorumMember& b) {
              return a.alias != b.alias ? a.alias < b.alias : a.pub_key < b.pub_key;
            });
  BorshWriter out;
  if (!WriteMemberSetBorsh(out, set).ok()) return "";
  return HexEncode(crypto::Sha256(out.bytes()));
}

Status CheckSameHolders(const Manifest& current, const Manifest& next) {
  if (current.name_space.quorum_key != next.name_space.quorum_key) {
    return Differs("DifferentQuorumKey", HexEncode(current.name_space.quorum_key),
                   HexEncode(next.name_space.quorum_key));
  }
  const std::string current_set = SortedSetHash(current.manifest_set);
  const std::string next_set = SortedSetHash(next.manifest_set);
  if (current_set != next_set) return Differs("DifferentManifestSet", current_set, next_set);
  if (current.name_space.name != next.name_space.name) {
    return Differs("DifferentNamespaceName", current.name_space.name, next.name_space.name);
  }
  return OkStatus();
}

}  // namespace

Status CheckForwardedManifest(const ManifestEnvelope& current, const ManifestEnvelope& next) {
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest next_hash, ManifestHash(next.manifest));
  VIGIL_RETURN_IF_ERROR(CheckApprovals(next.manifest, next_hash, next.manifest_set_approvals));
  if (!next.share_set_approvals.empty()) {
    return Error::Failed("BadShareSetApprovals: the new envelope carries share-set approvals");
  }
  VIGIL_RETURN_IF_ERROR(CheckSameHolders(current.manifest, next.manifest));
  const std::uint32_t current_nonce = current.manifest.name_space.nonce;
  const std::uint32_t next_nonce = next.manifest.name_space.nonce;
  if (next_nonce < current_nonce) {
    return Differs("LowNonce", std::to_string(current_nonce), std::to_string(next_nonce));
  }
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest current_hash, ManifestHash(current.manifest));
  if (next_nonce == current_nonce && next_hash != current_hash) {
    return Differs("DifferentManifest", HexEncode(current_hash), HexEncode(next_hash));
  }
  if (current.manifest.enclave.pcr3 != next.manifest.enclave.pcr3) {
    return Differs("DifferentPcr3", HexEncode(current.manifest.enclave.pcr3),
                   HexEncode(next.manifest.enclave.pcr3));
  }
  return OkStatus();
}

}  // namespace vigil::quorum
