#include "cli/tpm_activation.h"

#include "attestation/tpm2_credential.h"
#include "attestation/tpm2_ek_certificate.h"
#include "attestation/tpm2_quote.h"
#include "attestation/tpm_document.h"
#include "crypto/random.h"
#include "crypto/secret.h"

namespace vigil::cli {

bool HasEnclaveAddress(const EnclaveAddress& enclave) {
  return !enclave.usock.empty() || !enclave.host_ip.empty();
}

Status ActivateTpmKey(const EnclaveAddress& enclave, ByteView bytes,
                      attestation::VerifyOptions& options) {
  if (!attestation::LooksLikeTpmDocument(bytes)) return OkStatus();
  if (!options.tpm) {
    return Error::BadInput(
        "a TPM document: give the EK manufacturers' roots (--tpm-roots, --tpm-intermediates)");
  }
  if (!HasEnclaveAddress(enclave)) {
    return Error::BadInput(
        "a TPM document: give the enclave's address (--host-ip/--host-port or --usock), to "
        "bind its attestation key to its TPM by a credential activation");
  }
  VIGIL_ASSIGN_OR_RETURN(attestation::TpmDocument document, attestation::DecodeTpmDocument(bytes));
  Result<Bytes> ek = attestation::VerifyEkCertificate(
      document.ek_certificate,
      {.roots_pem = options.tpm->roots_pem, .intermediates_pem = options.tpm->intermediates_pem},
      static_cast<std::time_t>(options.time_seconds));
  if (!ek.ok()) return Error::Failed("ek: " + ek.error().message());
  VIGIL_ASSIGN_OR_RETURN(attestation::Tpm2AttestationKey key,
                         attestation::ParseTpm2AttestationKey(document.ak_public));
  crypto::SecretBytes secret(32);
  VIGIL_RETURN_IF_ERROR(crypto::RandomBytes({secret.data(), secret.size()}));
  VIGIL_ASSIGN_OR_RETURN(attestation::Tpm2Credential credential,
                         attestation::MakeTpm2Credential(*ek, key.name, secret.view()));
  quorum::ProtocolMsg request = quorum::Request(quorum::MessageKind::kTpmActivateCredentialRequest);
  request.id_object = std::move(credential.id_object);
  request.encrypted_secret = std::move(credential.encrypted_secret);
  Result<quorum::ProtocolMsg> answer = Exchange(enclave, request);
  if (!answer.ok()) return Error::Failed("activation: " + answer.error().message());
  if (answer->kind != quorum::MessageKind::kTpmActivateCredentialResponse ||
      !crypto::ConstantTimeEqual(answer->secret, secret.view())) {
    return Error::Failed(
        "activation: the enclave did not recover the credential's secret: its attestation key "
        "is not on the TPM that holds this EK");
  }
  options.tpm->activated_ak_name = key.name;
  return OkStatus();
}

}  // namespace vigil::cli
