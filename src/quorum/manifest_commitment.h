// The QuorumOS manifest PCR commitments (qos_nsm::nitro): PCR16 binds the setup manifest to the
// enclave's ephemeral key, PCR17 the live one, so an attestation proves which manifest and key
// the enclave booted with. Spec: docs/SPEC-qos-shamir-json.md.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace vigil::quorum {

enum class ManifestPhase { kSetup, kLive };

inline constexpr std::size_t kManifestHashSize = 32;  // SHA-256 of the manifest
inline constexpr std::size_t kPcrSize = 48;           // SHA-384

// The domain string of the phase, e.g. "qos-setup-manifest-pcr-commitment-v1".
std::string_view ManifestCommitmentDomain(ManifestPhase phase);

// The PCR the phase's commitment is extended into: 16 (setup) or 17 (live).
int ManifestCommitmentPcrIndex(ManifestPhase phase);

// The canonical JSON that is hashed: {"domain":"...","ephemeralPublicKey":"<hex>",
// "manifestHash":"<hex>"}. `manifest_hash` must be 32 bytes and `ephemeral_public_key` 65 (one
// uncompressed SEC1 P-256 point) or 130 bytes (a qos P256Public: encryption key then signing
// key); BadInput otherwise.
Result<std::string> ManifestCommitmentPreimage(ManifestPhase phase, ByteView manifest_hash,
                                               ByteView ephemeral_public_key);

// SHA-384 of ManifestCommitmentPreimage: the value qos extends into the phase's PCR.
Result<Bytes> ManifestCommitment(ManifestPhase phase, ByteView manifest_hash,
                                 ByteView ephemeral_public_key);

// Vigil's commitment to the manifest alone, extended into PCR18 at boot beside QuorumOS's
// two: PCR16/17 change with every boot's ephemeral keys, PCR18 does not, so a relying party
// can pin "this manifest" (what tkhq/qos #803/#804 ask for). Preimage: the canonical JSON
// {"domain":"vigil-manifest-pcr-commitment-v1","manifestHash":"<hex>"}; the commitment is
// its SHA-384. BadInput unless `manifest_hash` is 32 bytes.
inline constexpr int kManifestOnlyPcrIndex = 18;
inline constexpr std::string_view kManifestOnlyDomain = "vigil-manifest-pcr-commitment-v1";
Result<std::string> ManifestOnlyCommitmentPreimage(ByteView manifest_hash);
Result<Bytes> ManifestOnlyCommitment(ByteView manifest_hash);

// The value of a PCR that starts as 48 zero bytes after one extend with `commitment`:
// SHA-384(48 zero bytes || commitment).
Bytes ManifestPcr(ByteView commitment);

// A TPM (docs/SPEC-tpm.md) takes the same three commitments in SHA-256 PCRs that nothing in
// its boot path measures and that the guest cannot reset: 12 (setup), 14 (live) and 15 (the
// manifest alone). Each is extended once with SHA-256 of the commitment, as TPM2_PCR_Event
// would, so the PCR holds SHA-256(32 zero bytes || SHA-256(commitment)).
inline constexpr int kTpmSetupPcrIndex = 12;
inline constexpr int kTpmLivePcrIndex = 14;
inline constexpr int kTpmManifestOnlyPcrIndex = 15;
int TpmCommitmentPcrIndex(ManifestPhase phase);
crypto::Sha256Digest TpmCommitmentDigest(ByteView commitment);
Bytes TpmManifestPcr(ByteView commitment);

}  // namespace vigil::quorum
