// The QuorumOS manifest (tkhq/qos boot.rs, manifest.rs, manifest/v2.rs): what an enclave
// will run (the pivot), under which namespace and quorum key, approved by which manifest
// set, provisioned by which share set, on which enclave measurements. Three versions exist;
// all are read, V2 is written by default. Spec: docs/SPEC-quorum.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"

namespace vigil::quorum {

enum class ManifestVersion { kV0, kV1, kV2 };

// Bounds on what a reader accepts (a manifest is small: QuorumOS's largest field is the
// DER root certificate).
inline constexpr std::size_t kMaxMembers = 255;
inline constexpr std::size_t kMaxNameBytes = 1024;
inline constexpr std::size_t kMaxKeyBytes = 1024;
inline constexpr std::size_t kMaxCertificateBytes = 16 * 1024;
inline constexpr std::size_t kMaxArgs = 1024;
inline constexpr std::size_t kMaxArgBytes = 64 * 1024;
inline constexpr std::size_t kMaxBridges = 64;
inline constexpr std::size_t kMaxSignatureBytes = 1024;
inline constexpr std::size_t kMaxApprovals = 255;
// V2's environment (v2.rs): at most 512 entries, names up to 1 KiB, values up to 64 KiB.
inline constexpr std::size_t kMaxEnvEntries = 512;
inline constexpr std::size_t kMaxEnvNameBytes = 1024;
inline constexpr std::size_t kMaxEnvValueBytes = 64 * 1024;
inline constexpr std::size_t kMaxDnsResolvers = 16;
inline constexpr std::size_t kPivotHashSize = 32;  // SHA-256 of the pivot binary

enum class RestartPolicy { kNever, kAlways };

// Where the enclave's app bridge listens (server) or connects (client).
struct BridgeConfig {
  enum class Kind { kServer, kClient };
  Kind kind = Kind::kServer;
  std::uint16_t port = 0;
  std::optional<std::string> host;  // always set for a server
  bool operator==(const BridgeConfig&) const = default;
};

struct QuorumMember {
  std::string alias;
  Bytes pub_key;  // a 130-byte qos P256Public
  bool operator==(const QuorumMember&) const = default;
};

// ManifestSet and ShareSet have the same shape.
struct MemberSet {
  std::uint32_t threshold = 0;
  std::vector<QuorumMember> members;
  bool operator==(const MemberSet&) const = default;
};

// V0 and V1 only; QuorumOS never used it at run time.
struct PatchSet {
  std::uint32_t threshold = 0;
  std::vector<Bytes> members;  // public keys
  bool operator==(const PatchSet&) const = default;
};

struct Namespace {
  std::string name;
  std::uint32_t nonce = 0;
  Bytes quorum_key;
  bool operator==(const Namespace&) const = default;
};

struct NitroConfig {
  Bytes pcr0, pcr1, pcr2, pcr3;
  Bytes aws_root_certificate;  // DER
  std::string qos_commit;
  bool operator==(const NitroConfig&) const = default;
};

struct PivotConfig {
  Bytes hash;  // kPivotHashSize bytes
  RestartPolicy restart = RestartPolicy::kNever;
  std::vector<BridgeConfig> bridge_config;  // V1, V2
  bool debug_mode = false;                  // V1, V2
  std::vector<std::string> args;
  // V2 only: NAME -> plain value, sorted by name, names unique.
  std::vector<std::pair<std::string, std::string>> env;
  bool operator==(const PivotConfig&) const = default;
};

struct Manifest {
  ManifestVersion version = ManifestVersion::kV2;
  Namespace name_space;
  PivotConfig pivot;
  MemberSet manifest_set;
  MemberSet share_set;
  NitroConfig enclave;
  PatchSet patch_set;                           // V0, V1
  std::optional<std::vector<std::string>> dns;  // V2: resolvers' addresses
  bool operator==(const Manifest&) const = default;
};

struct Approval {
  Bytes signature;  // 64 bytes r || s over the manifest hash
  QuorumMember member;
  bool operator==(const Approval&) const = default;
};

struct ManifestEnvelope {
  Manifest manifest;
  std::vector<Approval> manifest_set_approvals;
  std::vector<Approval> share_set_approvals;
  bool operator==(const ManifestEnvelope&) const = default;
};

}  // namespace vigil::quorum
