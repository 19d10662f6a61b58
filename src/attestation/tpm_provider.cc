#include "attestation/tpm_provider.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "attestation/tpm_document.h"
#include "base/hex.h"
#include "base/unique_fd.h"

namespace vigil::attestation {
namespace {

Error NoNsmApi(std::string_view operation) {
  return Error::Failed(std::string(operation) +
                       ": a TPM has no NSM API (the enclave's tpm provider commits to PCRs 12, "
                       "14 and 15 through the TPM's own commands)");
}

// securityfs reports a size of zero for the log, so it is read to its end, bounded.
Result<Bytes> ReadEventLog(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return Error::MissingEnv("cannot open the TPM event log " + path + ": " + std::strerror(errno) +
                             " (is securityfs mounted?)");
  }
  Bytes log;
  std::uint8_t buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::Failed("reading " + path + ": " + std::strerror(errno));
    if (n == 0) return log;
    if (log.size() + static_cast<std::size_t>(n) > kMaxEventLogBytes) {
      return Error::Failed(path + " is larger than " + std::to_string(kMaxEventLogBytes) +
                           " bytes");
    }
    log.insert(log.end(), buffer, buffer + n);
  }
}

}  // namespace

Result<std::unique_ptr<TpmProvider>> TpmProvider::Open(Tpm2Client client, std::string event_log) {
  std::unique_ptr<TpmProvider> provider(new TpmProvider(std::move(client), std::move(event_log)));
  VIGIL_ASSIGN_OR_RETURN(provider->ek_certificate_,
                         provider->client_.ReadNv(kTpmRsaEkCertificateIndex));
  VIGIL_ASSIGN_OR_RETURN(provider->ak_, provider->client_.CreateAttestationKey());
  const crypto::Sha256Digest ek = crypto::Sha256(provider->ek_certificate_);
  provider->module_id_ = "vigil-tpm (EK certificate " + HexEncode(ByteView(ek).first(8)) + ")";
  return provider;
}

TpmProvider::~TpmProvider() {
  if (ak_.handle != 0) (void)client_.FlushContext(ak_.handle);
}

Result<NsmDescription> TpmProvider::Describe() { return NoNsmApi("DescribeNSM"); }
Result<PcrState> TpmProvider::DescribePcr(int) { return NoNsmApi("DescribePCR"); }
Result<crypto::Sha384Digest> TpmProvider::ExtendPcr(int, ByteView) { return NoNsmApi("ExtendPCR"); }
Status TpmProvider::LockPcr(int) { return NoNsmApi("LockPCR"); }
Status TpmProvider::LockPcrs(int) { return NoNsmApi("LockPCRs"); }

Result<crypto::Sha256Digest> TpmProvider::ReadPcr(int index) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<crypto::Sha256Digest> values, client_.ReadPcrs({index}));
  return values.at(0);
}

Status TpmProvider::ExtendPcr256(int index, const crypto::Sha256Digest& digest) {
  return client_.ExtendPcr(index, digest);
}

Result<crypto::SecretBytes> TpmProvider::ActivateCredential(ByteView id_object,
                                                            ByteView encrypted_secret) {
  return client_.ActivateCredential(ak_, id_object, encrypted_secret);
}

Result<Bytes> TpmProvider::Attest(const AttestationRequest& request) {
  TpmDocument document;
  document.module_id = module_id_;
  document.public_key = request.public_key;
  document.user_data = request.user_data;
  document.nonce = request.nonce;
  const std::vector<int>& quoted = TpmQuotedPcrs();
  const crypto::Sha256Digest qualifying = TpmQualifyingData(request);
  VIGIL_ASSIGN_OR_RETURN(Tpm2Quote quote, client_.Quote(ak_, qualifying, quoted));
  // Read after the quote: a verifier checks the quote's digest against these values, so a
  // PCR extended in between shows as a mismatch, never as a wrong value accepted.
  VIGIL_ASSIGN_OR_RETURN(std::vector<crypto::Sha256Digest> values, client_.ReadPcrs(quoted));
  for (std::size_t i = 0; i < quoted.size(); ++i) document.pcrs[quoted[i]] = values[i];
  document.quote = std::move(quote.attest);
  document.signature = std::move(quote.signature);
  document.ak_public = ak_.public_area;
  document.ek_certificate = ek_certificate_;
  VIGIL_ASSIGN_OR_RETURN(document.event_log, ReadEventLog(event_log_));
  return EncodeTpmDocument(document);
}

}  // namespace vigil::attestation
