// The Borsh encodings of V0 and V1 manifests and envelopes, field for field as QuorumOS
// declares them (docs/SPEC-quorum.md). A V2 manifest has no Borsh form: QuorumOS sends and
// hashes it as canonical JSON only.
#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "quorum/borsh.h"
#include "quorum/manifest.h"

namespace vigil::quorum {

// Appends the manifest (its own version's layout). BadInput for a V2 manifest or a field
// its version cannot carry (a V0 manifest with a bridge, debug mode or environment).
Status WriteManifestBorsh(BorshWriter& out, const Manifest& manifest);
Status WriteEnvelopeBorsh(BorshWriter& out, const ManifestEnvelope& envelope);
Status WriteApprovalBorsh(BorshWriter& out, const Approval& approval);
Status WriteMemberBorsh(BorshWriter& out, const QuorumMember& member);
Status WriteMemberSetBorsh(BorshWriter& out, const MemberSet& set);
Result<QuorumMember> ReadMemberBorsh(BorshReader& in);

// Reads one manifest of the given version (V0 or V1) from `in`.
Result<Manifest> ReadManifestBorsh(BorshReader& in, ManifestVersion version);
Result<Approval> ReadApprovalBorsh(BorshReader& in);
// Reads one envelope whose manifest has the given version (V0 or V1) from `in`: a protocol
// message carries it among other fields.
Result<ManifestEnvelope> ReadEnvelopeBorsh(BorshReader& in, ManifestVersion version);

// The whole of `data` as a manifest or an envelope. QuorumOS's Borsh carries no version tag:
// both layouts are tried, and bytes that read completely as both (or as neither) are refused.
Result<Manifest> DecodeManifestBorsh(ByteView data);
Result<ManifestEnvelope> DecodeEnvelopeBorsh(ByteView data);
Result<Bytes> EncodeManifestBorsh(const Manifest& manifest);
Result<Bytes> EncodeEnvelopeBorsh(const ManifestEnvelope& envelope);

}  // namespace vigil::quorum
