#include "quorum/manifest_commitment.h"

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/hash.h"
#include "quorum/qos_json.h"

namespace vigil::quorum {
namespace {

constexpr std::size_t kSec1PointSize = 65;
constexpr std::size_t kQosPublicKeySize = 2 * kSec1PointSize;

nlohmann::json Binary(ByteView bytes) {
  return nlohmann::json::binary(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
}

}  // namespace

std::string_view ManifestCommitmentDomain(ManifestPhase phase) {
  return phase == ManifestPhase::kSetup ? "qos-setup-manifest-pcr-commitment-v1"
                                        : "qos-live-manifest-pcr-commitment-v1";
}

int ManifestCommitmentPcrIndex(ManifestPhase phase) {
  return phase == ManifestPhase::kSetup ? 16 : 17;
}

Result<std::string> ManifestCommitmentPreimage(ManifestPhase phase, ByteView manifest_hash,
                                               ByteView ephemeral_public_key) {
  if (manifest_hash.size() != kManifestHashSize) {
    return Error::BadInput("manifest hash is " + std::to_string(manifest_hash.size()) +
                           " bytes; a SHA-256 manifest hash is 32");
  }
  // qos itself hashes whatever it is given; the sizes a real key can have catch a caller
  // passing the wrong buffer.
  if (ephemeral_public_key.size() != kSec1PointSize &&
      ephemeral_public_key.size() != kQosPublicKeySize) {
    return Error::BadInput("ephemeral public key is " +
                           std::to_string(ephemeral_public_key.size()) +
                           " bytes; expected 65 (SEC1 uncompressed P-256) or 130 (qos P256Public)");
  }
  nlohmann::json preimage = {
      {"domain", std::string(ManifestCommitmentDomain(phase))},
      {"ephemeralPublicKey", Binary(ephemeral_public_key)},
      {"manifestHash", Binary(manifest_hash)},
  };
  return qos_json::Serialize(preimage);
}

Result<Bytes> ManifestCommitment(ManifestPhase phase, ByteView manifest_hash,
                                 ByteView ephemeral_public_key) {
  VIGIL_ASSIGN_OR_RETURN(std::string preimage,
                         ManifestCommitmentPreimage(phase, manifest_hash, ephemeral_public_key));
  const crypto::Sha384Digest digest = crypto::Sha384(AsBytes(preimage));
  return Bytes(digest.begin(), digest.end());
}

Result<std::string> ManifestOnlyCommitmentPreimage(ByteView manifest_hash) {
  if (manifest_hash.size() != kManifestHashSize) {
    return Error::BadInput("manifest hash is " + std::to_string(manifest_hash.size()) +
                           " bytes; a SHA-256 manifest hash is 32");
  }
  nlohmann::json preimage = {{"domain", std::string(kManifestOnlyDomain)},
                             {"manifestHash", Binary(manifest_hash)}};
  return qos_json::Serialize(preimage);
}

Result<Bytes> ManifestOnlyCommitment(ByteView manifest_hash) {
  VIGIL_ASSIGN_OR_RETURN(std::string preimage, ManifestOnlyCommitmentPreimage(manifest_hash));
  const crypto::Sha384Digest digest = crypto::Sha384(AsBytes(preimage));
  return Bytes(digest.begin(), digest.end());
}

Bytes ManifestPcr(ByteView commitment) {
  static constexpr std::array<std::uint8_t, kPcrSize> kInitialPcr{};
  crypto::Hasher hasher(crypto::HashAlgorithm::kSha384);
  hasher.Update(kInitialPcr);
  hasher.Update(commitment);
  return hasher.Finish();
}

}  // namespace vigil::quorum

namespace vigil::quorum {

int TpmCommitmentPcrIndex(ManifestPhase phase) {
  return phase == ManifestPhase::kSetup ? kTpmSetupPcrIndex : kTpmLivePcrIndex;
}

crypto::Sha256Digest TpmCommitmentDigest(ByteView commitment) { return crypto::Sha256(commitment); }

Bytes TpmManifestPcr(ByteView commitment) {
  const crypto::Sha256Digest digest = TpmCommitmentDigest(commitment);
  Bytes preimage(32, 0);
  preimage.insert(preimage.end(), digest.begin(), digest.end());
  const crypto::Sha256Digest value = crypto::Sha256(preimage);
  return Bytes(value.begin(), value.end());
}

}  // namespace vigil::quorum
