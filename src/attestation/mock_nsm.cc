#include "attestation/mock_nsm.h"

#include <string>

#include "attestation/document_writer.h"

namespace vigil::attestation {
namespace {

// The NSM version QuorumOS's mock reports.
constexpr std::uint16_t kVersionMajor = 1;
constexpr std::uint16_t kVersionMinor = 2;
constexpr std::uint16_t kVersionPatch = 14;

Status CheckSize(const std::optional<Bytes>& field, std::size_t max, std::string_view name) {
  if (field && field->size() > max) {
    return Error::BadInput("the attestation request's " + std::string(name) + " is " +
                           std::to_string(field->size()) + " bytes; the NSM takes at most " +
                           std::to_string(max));
  }
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<MockNsm>> MockNsm::Create(const std::map<int, Bytes>& boot_measurements,
                                                 Clock clock) {
  VIGIL_ASSIGN_OR_RETURN(PcrBank pcrs, PcrBank::WithBootMeasurements(boot_measurements));
  VIGIL_ASSIGN_OR_RETURN(MockPki pki, LoadMockPki());
  if (!clock) clock = [] { return std::chrono::system_clock::now(); };
  return std::unique_ptr<MockNsm>(new MockNsm(std::move(pki), std::move(pcrs), std::move(clock)));
}

Result<NsmDescription> MockNsm::Describe() {
  NsmDescription description{.version_major = kVersionMajor,
                             .version_minor = kVersionMinor,
                             .version_patch = kVersionPatch,
                             .module_id = std::string(kMockModuleId),
                             .max_pcrs = static_cast<std::uint16_t>(kPcrCount),
                             .digest = "SHA384"};
  for (int i = 0; i < static_cast<int>(kPcrCount); ++i) {
    VIGIL_ASSIGN_OR_RETURN(PcrState state, pcrs_.Describe(i));
    if (state.locked) description.locked_pcrs.insert(static_cast<std::uint16_t>(i));
  }
  return description;
}

Result<PcrState> MockNsm::DescribePcr(int index) { return pcrs_.Describe(index); }

Result<crypto::Sha384Digest> MockNsm::ExtendPcr(int index, ByteView data) {
  return pcrs_.Extend(index, data);
}

Status MockNsm::LockPcr(int index) { return pcrs_.Lock(index); }

Status MockNsm::LockPcrs(int range) { return pcrs_.LockRange(range); }

Result<Bytes> MockNsm::Attest(const AttestationRequest& request) {
  VIGIL_RETURN_IF_ERROR(CheckSize(request.user_data, kMaxUserDataBytes, "user_data"));
  VIGIL_RETURN_IF_ERROR(CheckSize(request.nonce, kMaxNonceBytes, "nonce"));
  VIGIL_RETURN_IF_ERROR(CheckSize(request.public_key, kMaxPublicKeyBytes, "public_key"));
  AttestationDocument document;
  document.module_id = std::string(kMockModuleId);
  const auto since_epoch = clock_().time_since_epoch();
  document.timestamp_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count());
  for (int i = 0; i < static_cast<int>(kPcrCount); ++i) {
    VIGIL_ASSIGN_OR_RETURN(PcrState state, pcrs_.Describe(i));
    document.pcrs[i] = Bytes(state.value.begin(), state.value.end());
  }
  document.certificate = pki_.leaf;
  document.cabundle = {pki_.root, pki_.intermediate};
  document.public_key = request.public_key;
  document.user_data = request.user_data;
  document.nonce = request.nonce;
  return SignDocument(document, pki_.leaf_key);
}

}  // namespace vigil::attestation
