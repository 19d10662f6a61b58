// The enclave's side of the QuorumOS protocol (docs/SPEC-enclave.md): one request in, one
// answer out, in the phases of quorum/phase.h. Boot standard checks the manifest's
// approvals and pivot, commits the manifest and two fresh ephemeral keys to PCR16/17, locks
// the PCRs and attests; provisioning collects share holders' shares until the share set's
// threshold rebuilds the quorum key that the manifest names; then the key is written where
// QuorumOS apps expect it and the pivot may start. Genesis, key forwarding and resharding
// (Vigil's own) have their own files. Every refusal is a ProtocolError.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attestation/document_verifier.h"
#include "attestation/provider.h"
#include "crypto/hash.h"
#include "crypto/p256.h"
#include "crypto/secret.h"
#include "quorum/protocol_msg.h"

namespace vigil::enclave {

struct EnclaveConfig {
  // Where the QuorumOS files go: qos.quorum.key, qos.ephemeral.key, qos.manifest,
  // qos.pivot.bin ("/" inside an image, on a tmpfs).
  std::filesystem::path state_dir;
  // The image's own target. A boot request without pivot bytes boots it, and the manifest
  // must name its SHA-256.
  std::optional<std::filesystem::path> image_pivot;
  std::string version;
  std::string commit;
};

// What the pivot needs once the quorum key is in place.
struct PivotLaunch {
  std::filesystem::path program;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  bool restart_always = false;
  bool debug_mode = false;
};

class EnclaveProcessor {
 public:
  EnclaveProcessor(EnclaveConfig config, std::unique_ptr<attestation::AttestationProvider> nsm);
  ~EnclaveProcessor();

  quorum::ProtocolMsg Handle(const quorum::ProtocolMsg& request);
  quorum::ProtocolPhase phase() const { return phase_; }
  // Set once the quorum key was written: what to start, exactly once.
  std::optional<PivotLaunch> TakePivot();

 private:
  Result<quorum::ProtocolMsg> Route(const quorum::ProtocolMsg& request, bool& complete);
  Result<quorum::ProtocolMsg> BootStandard(const quorum::ProtocolMsg& request);
  Result<quorum::ProtocolMsg> Provision(const quorum::ProtocolMsg& request, bool& complete);
  Result<quorum::ProtocolMsg> Genesis(const quorum::ProtocolMsg& request);
  Result<quorum::ProtocolMsg> ExportKey(const quorum::ProtocolMsg& request);
  Result<quorum::ProtocolMsg> InjectKey(const quorum::ProtocolMsg& request, bool& complete);
  Result<quorum::ProtocolMsg> BootReshard(const quorum::ProtocolMsg& request);
  Result<quorum::ProtocolMsg> ReshardOutputAnswer();
  // Splits the rebuilt key to the new share set and attests to the output.
  Status Reshard(const crypto::qos::P256Pair& quorum_key);
  Result<attestation::VerifyOptions> OwnTrust();
  // With a nonce (Vigil's variant 24) the document carries it; QuorumOS's request has none.
  Result<quorum::ProtocolMsg> LiveAttestation(const Bytes& nonce);
  Result<quorum::ProtocolMsg> Attested(quorum::MessageKind kind, const crypto::qos::P256Pair& key,
                                       const Bytes& nonce = {});
  Result<Bytes> CheckPivot(const quorum::ProtocolMsg& request);
  Status CommitToPcrs();
  Status CommitManifestOnly();
  Status CommitToTpmPcrs(attestation::TpmProvider& tpm);
  Result<quorum::ProtocolMsg> ActivateCredential(const quorum::ProtocolMsg& request);
  Status FinishProvisioning(crypto::SecretBytes seed);
  // Rotates to the live key, writes the quorum key and readies the pivot.
  Status InstallQuorumKey(crypto::qos::P256Pair quorum_key);

  EnclaveConfig config_;
  std::unique_ptr<attestation::AttestationProvider> nsm_;
  quorum::ProtocolPhase phase_ = quorum::ProtocolPhase::kWaitingForBootInstruction;
  std::optional<quorum::ManifestEnvelope> envelope_;
  crypto::Sha256Digest manifest_hash_{};
  std::optional<crypto::qos::P256Pair> setup_key_;
  std::optional<crypto::qos::P256Pair> live_key_;
  bool rotated_ = false;  // the ephemeral key is the live key
  std::filesystem::path pivot_path_;
  std::vector<crypto::SecretBytes> shares_;
  std::vector<std::string> share_members_;  // aliases that provided a share
  std::optional<PivotLaunch> pivot_;
  std::optional<crypto::qos::P256Pair> quorum_key_;  // once provisioned or injected
  std::optional<quorum::ReshardEnvelope> reshard_;   // booted to reshard
  Bytes reshard_output_, reshard_document_;          // once resharded
};

}  // namespace vigil::enclave
