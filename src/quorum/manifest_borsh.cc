#include "quorum/manifest_borsh.h"

#include <string>

namespace vigil::quorum {
namespace {}  // namespace

Status WriteMemberBorsh(BorshWriter& out, const QuorumMember& member) {
  VIGIL_RETURN_IF_ERROR(out.String(member.alias));
  return out.Bytes(member.pub_key);
}

Status WriteMemberSetBorsh(BorshWriter& out, const MemberSet& set) {
  out.U32(set.threshold);
  VIGIL_RETURN_IF_ERROR(out.Length(set.members.size()));
  for (const QuorumMember& member : set.members) {
    VIGIL_RETURN_IF_ERROR(WriteMemberBorsh(out, member));
  }
  return OkStatus();
}

Result<QuorumMember> ReadMemberBorsh(BorshReader& in) {
  QuorumMember member;
  VIGIL_ASSIGN_OR_RETURN(member.alias, in.String(kMaxNameBytes, "member alias"));
  VIGIL_ASSIGN_OR_RETURN(member.pub_key, in.Bytes(kMaxKeyBytes, "member public key"));
  return member;
}

namespace {

Status WriteMember(BorshWriter& out, const QuorumMember& member) {
  return WriteMemberBorsh(out, member);
}

Status WriteMemberSet(BorshWriter& out, const MemberSet& set) {
  return WriteMemberSetBorsh(out, set);
}

Status WriteBridge(BorshWriter& out, const BridgeConfig& bridge) {
  if (bridge.kind == BridgeConfig::Kind::kServer) {
    if (!bridge.host) return Error::BadInput("a server bridge needs a host");
    out.U8(0);
    out.U16(bridge.port);
    return out.String(*bridge.host);
  }
  out.U8(1);
  out.U16(bridge.port);
  out.Bool(bridge.host.has_value());
  if (bridge.host) VIGIL_RETURN_IF_ERROR(out.String(*bridge.host));
  return OkStatus();
}

Status WritePivot(BorshWriter& out, const PivotConfig& pivot, ManifestVersion version) {
  if (pivot.hash.size() != kPivotHashSize)
    return Error::BadInput("the pivot hash must be 32 bytes");
  if (!pivot.env.empty()) return Error::BadInput("only a V2 manifest carries an environment");
  out.Fixed(pivot.hash);
  out.U8(pivot.restart == RestartPolicy::kAlways ? 1 : 0);
  if (version == ManifestVersion::kV1) {
    VIGIL_RETURN_IF_ERROR(out.Length(pivot.bridge_config.size()));
    for (const BridgeConfig& bridge : pivot.bridge_config) {
      VIGIL_RETURN_IF_ERROR(WriteBridge(out, bridge));
    }
    out.Bool(pivot.debug_mode);
  } else if (!pivot.bridge_config.empty() || pivot.debug_mode) {
    return Error::BadInput("a V0 manifest carries no bridge and no debug mode");
  }
  VIGIL_RETURN_IF_ERROR(out.Length(pivot.args.size()));
  for (const std::string& arg : pivot.args) VIGIL_RETURN_IF_ERROR(out.String(arg));
  return OkStatus();
}

Result<QuorumMember> ReadMember(BorshReader& in) { return ReadMemberBorsh(in); }

Result<MemberSet> ReadMemberSet(BorshReader& in, std::string_view what) {
  MemberSet set;
  VIGIL_ASSIGN_OR_RETURN(set.threshold, in.U32(what));
  VIGIL_ASSIGN_OR_RETURN(std::size_t count, in.Length(kMaxMembers, what));
  for (std::size_t i = 0; i < count; ++i) {
    VIGIL_ASSIGN_OR_RETURN(QuorumMember member, ReadMember(in));
    set.members.push_back(std::move(member));
  }
  return set;
}

Result<BridgeConfig> ReadBridge(BorshReader& in) {
  BridgeConfig bridge;
  VIGIL_ASSIGN_OR_RETURN(std::uint8_t variant, in.U8("bridge variant"));
  if (variant > 1)
    return Error::BadInput("bridge variant " + std::to_string(variant) + " is unknown");
  VIGIL_ASSIGN_OR_RETURN(bridge.port, in.U16("bridge port"));
  if (variant == 0) {
    bridge.kind = BridgeConfig::Kind::kServer;
    VIGIL_ASSIGN_OR_RETURN(bridge.host, in.String(kMaxNameBytes, "bridge host"));
    return bridge;
  }
  bridge.kind = BridgeConfig::Kind::kClient;
  VIGIL_ASSIGN_OR_RETURN(bool has_host, in.OptionTag("bridge host"));
  if (has_host) {
    VIGIL_ASSIGN_OR_RETURN(bridge.host, in.String(kMaxNameBytes, "bridge host"));
  }
  return bridge;
}

Result<PivotConfig> ReadPivot(BorshReader& in, ManifestVersion version) {
  PivotConfig pivot;
  VIGIL_ASSIGN_OR_RETURN(pivot.hash, in.Fixed(kPivotHashSize, "pivot hash"));
  VIGIL_ASSIGN_OR_RETURN(std::uint8_t restart, in.U8("restart policy"));
  if (restart > 1)
    return Error::BadInput("restart policy " + std::to_string(restart) + " is unknown");
  pivot.restart = restart == 1 ? RestartPolicy::kAlways : RestartPolicy::kNever;
  if (version == ManifestVersion::kV1) {
    VIGIL_ASSIGN_OR_RETURN(std::size_t bridges, in.Length(kMaxBridges, "bridge config"));
    for (std::size_t i = 0; i < bridges; ++i) {
      VIGIL_ASSIGN_OR_RETURN(BridgeConfig bridge, ReadBridge(in));
      pivot.bridge_config.push_back(std::move(bridge));
    }
    VIGIL_ASSIGN_OR_RETURN(pivot.debug_mode, in.Bool("debug mode"));
  }
  VIGIL_ASSIGN_OR_RETURN(std::size_t args, in.Length(kMaxArgs, "pivot args"));
  for (std::size_t i = 0; i < args; ++i) {
    VIGIL_ASSIGN_OR_RETURN(std::string arg, in.String(kMaxArgBytes, "pivot arg"));
    pivot.args.push_back(std::move(arg));
  }
  return pivot;
}

Result<NitroConfig> ReadNitro(BorshReader& in) {
  NitroConfig nitro;
  VIGIL_ASSIGN_OR_RETURN(nitro.pcr0, in.Bytes(kMaxKeyBytes, "pcr0"));
  VIGIL_ASSIGN_OR_RETURN(nitro.pcr1, in.Bytes(kMaxKeyBytes, "pcr1"));
  VIGIL_ASSIGN_OR_RETURN(nitro.pcr2, in.Bytes(kMaxKeyBytes, "pcr2"));
  VIGIL_ASSIGN_OR_RETURN(nitro.pcr3, in.Bytes(kMaxKeyBytes, "pcr3"));
  VIGIL_ASSIGN_OR_RETURN(nitro.aws_root_certificate,
                         in.Bytes(kMaxCertificateBytes, "aws root certificate"));
  VIGIL_ASSIGN_OR_RETURN(nitro.qos_commit, in.String(kMaxNameBytes, "qos commit"));
  return nitro;
}

Result<PatchSet> ReadPatchSet(BorshReader& in) {
  PatchSet patch;
  VIGIL_ASSIGN_OR_RETURN(patch.threshold, in.U32("patch set threshold"));
  VIGIL_ASSIGN_OR_RETURN(std::size_t count, in.Length(kMaxMembers, "patch set members"));
  for (std::size_t i = 0; i < count; ++i) {
    VIGIL_ASSIGN_OR_RETURN(Bytes key, in.Bytes(kMaxKeyBytes, "patch set member"));
    patch.members.push_back(std::move(key));
  }
  return patch;
}

// Reads `data` completely with `read`, once per version; exactly one must fit.
template <typename T, typename ReadFn>
Result<T> DecodeEitherVersion(ByteView data, std::string_view what, ReadFn read) {
  auto attempt = [&](ManifestVersion version, std::string_view name) -> Result<T> {
    BorshReader in(data, std::string(what) + " (" + std::string(name) + ")");
    VIGIL_ASSIGN_OR_RETURN(T value, read(in, version));
    VIGIL_RETURN_IF_ERROR(in.Finish());
    return value;
  };
  Result<T> v1 = attempt(ManifestVersion::kV1, "V1");
  Result<T> v0 = attempt(ManifestVersion::kV0, "V0");
  if (v1.ok() && v0.ok()) {
    return Error::BadInput(std::string(what) +
                           " reads as both V1 and V0 Borsh: ambiguous, refused");
  }
  if (v1.ok()) return v1;
  if (v0.ok()) return v0;
  return Error::BadInput("not a Borsh " + std::string(what) + ": as V1, " + v1.error().message() +
                         "; as V0, " + v0.error().message());
}

}  // namespace

Result<ManifestEnvelope> ReadEnvelopeBorsh(BorshReader& in, ManifestVersion version) {
  ManifestEnvelope envelope;
  VIGIL_ASSIGN_OR_RETURN(envelope.manifest, ReadManifestBorsh(in, version));
  for (auto* approvals : {&envelope.manifest_set_approvals, &envelope.share_set_approvals}) {
    VIGIL_ASSIGN_OR_RETURN(std::size_t count, in.Length(kMaxApprovals, "approvals"));
    for (std::size_t i = 0; i < count; ++i) {
      VIGIL_ASSIGN_OR_RETURN(Approval approval, ReadApprovalBorsh(in));
      approvals->push_back(std::move(approval));
    }
  }
  return envelope;
}

Status WriteManifestBorsh(BorshWriter& out, const Manifest& manifest) {
  if (manifest.version == ManifestVersion::kV2) {
    return Error::BadInput("a V2 manifest has no Borsh form (QuorumOS takes it as JSON only)");
  }
  VIGIL_RETURN_IF_ERROR(out.String(manifest.name_space.name));
  out.U32(manifest.name_space.nonce);
  VIGIL_RETURN_IF_ERROR(out.Bytes(manifest.name_space.quorum_key));
  VIGIL_RETURN_IF_ERROR(WritePivot(out, manifest.pivot, manifest.version));
  VIGIL_RETURN_IF_ERROR(WriteMemberSet(out, manifest.manifest_set));
  VIGIL_RETURN_IF_ERROR(WriteMemberSet(out, manifest.share_set));
  const NitroConfig& nitro = manifest.enclave;
  for (const Bytes* field :
       {&nitro.pcr0, &nitro.pcr1, &nitro.pcr2, &nitro.pcr3, &nitro.aws_root_certificate}) {
    VIGIL_RETURN_IF_ERROR(out.Bytes(*field));
  }
  VIGIL_RETURN_IF_ERROR(out.String(nitro.qos_commit));
  out.U32(manifest.patch_set.threshold);
  VIGIL_RETURN_IF_ERROR(out.Length(manifest.patch_set.members.size()));
  for (const Bytes& key : manifest.patch_set.members) VIGIL_RETURN_IF_ERROR(out.Bytes(key));
  return OkStatus();
}

Status WriteApprovalBorsh(BorshWriter& out, const Approval& approval) {
  VIGIL_RETURN_IF_ERROR(out.Bytes(approval.signature));
  return WriteMember(out, approval.member);
}

Status WriteEnvelopeBorsh(BorshWriter& out, const ManifestEnvelope& envelope) {
  VIGIL_RETURN_IF_ERROR(WriteManifestBorsh(out, envelope.manifest));
  for (const auto* approvals : {&envelope.manifest_set_approvals, &envelope.share_set_approvals}) {
    VIGIL_RETURN_IF_ERROR(out.Length(approvals->size()));
    for (const Approval& approval : *approvals)
      VIGIL_RETURN_IF_ERROR(WriteApprovalBorsh(out, approval));
  }
  return OkStatus();
}

Result<Manifest> ReadManifestBorsh(BorshReader& in, ManifestVersion version) {
  if (version == ManifestVersion::kV2) {
    return Error::BadInput("a V2 manifest has no Borsh form (QuorumOS takes it as JSON only)");
  }
  Manifest manifest;
  manifest.version = version;
  VIGIL_ASSIGN_OR_RETURN(manifest.name_space.name, in.String(kMaxNameBytes, "namespace name"));
  VIGIL_ASSIGN_OR_RETURN(manifest.name_space.nonce, in.U32("namespace nonce"));
  VIGIL_ASSIGN_OR_RETURN(manifest.name_space.quorum_key, in.Bytes(kMaxKeyBytes, "quorum key"));
  VIGIL_ASSIGN_OR_RETURN(manifest.pivot, ReadPivot(in, version));
  VIGIL_ASSIGN_OR_RETURN(manifest.manifest_set, ReadMemberSet(in, "manifest set"));
  VIGIL_ASSIGN_OR_RETURN(manifest.share_set, ReadMemberSet(in, "share set"));
  VIGIL_ASSIGN_OR_RETURN(manifest.enclave, ReadNitro(in));
  VIGIL_ASSIGN_OR_RETURN(manifest.patch_set, ReadPatchSet(in));
  return manifest;
}

Result<Approval> ReadApprovalBorsh(BorshReader& in) {
  Approval approval;
  VIGIL_ASSIGN_OR_RETURN(approval.signature, in.Bytes(kMaxSignatureBytes, "approval signature"));
  VIGIL_ASSIGN_OR_RETURN(approval.member, ReadMember(in));
  return approval;
}

Result<Manifest> DecodeManifestBorsh(ByteView data) {
  return DecodeEitherVersion<Manifest>(data, "manifest", ReadManifestBorsh);
}

Result<ManifestEnvelope> DecodeEnvelopeBorsh(ByteView data) {
  return DecodeEitherVersion<ManifestEnvelope>(data, "manifest envelope", ReadEnvelopeBorsh);
}

Result<Bytes> EncodeManifestBorsh(const Manifest& manifest) {
  BorshWriter out;
  VIGIL_RETURN_IF_ERROR(WriteManifestBorsh(out, manifest));
  return out.Take();
}

Result<Bytes> EncodeEnvelopeBorsh(const ManifestEnvelope& envelope) {
  BorshWriter out;
  VIGIL_RETURN_IF_ERROR(WriteEnvelopeBorsh(out, envelope));
  return out.Take();
}

}  // namespace vigil::quorum
