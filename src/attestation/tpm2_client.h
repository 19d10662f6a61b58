// A TPM 2.0 spoken to with raw commands (the enclave is static and libtss2 is shared-only):
// /dev/tpmrm0 inside the guest (the kernel's resource manager: one command written, one
// response read), or swtpm's raw command socket in tests. The commands vigil-enclave's tpm
// provider needs: PCR_Read, PCR_Extend, an attestation key made with CreatePrimary under
// the endorsement hierarchy, Quote, NV_Read, FlushContext. Spec: docs/SPEC-tpm.md.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/unique_fd.h"
#include "crypto/hash.h"
#include "crypto/secret.h"

namespace vigil::attestation {

// An ECC P-256 restricted signing key (ECDSA, SHA-256) the TPM made: its handle, its public
// area (TPMT_PUBLIC, as the TPM returned it) and its name (nameAlg || SHA-256 of the area).
struct Tpm2Key {
  std::uint32_t handle = 0;
  Bytes public_area;
  Bytes name;
};

struct Tpm2Quote {
  Bytes attest;     // TPMS_ATTEST, the bytes the signature covers
  Bytes signature;  // TPMT_SIGNATURE
};

class Tpm2Client {
 public:
  // /dev/tpmrm0 (or another character device speaking the TPM 2.0 command stream).
  static Result<Tpm2Client> OpenDevice(const std::string& path);
  // A Unix socket speaking the raw command stream (swtpm socket --server type=unixio).
  static Result<Tpm2Client> ConnectUnix(const std::string& path);

  // SHA-256 values of `pcrs` (each 0-23), in the order given.
  Result<std::vector<crypto::Sha256Digest>> ReadPcrs(const std::vector<int>& pcrs);
  Status ExtendPcr(int pcr, const crypto::Sha256Digest& digest);
  // A new attestation key under the endorsement hierarchy (its auth empty, as on swtpm and
  // the clouds' vTPMs), loaded until FlushContext.
  Result<Tpm2Key> CreateAttestationKey();
  // The TCG EK profile's RSA 2048 endorsement key (template L-1), made again from the
  // endorsement seed (the key swtpm_setup and the clouds certify), loaded until flushed.
  Result<Tpm2Key> CreateEndorsementKey();
  // The secret of a credential made for `key` to this TPM's EK (ActivateCredential, with
  // the EK authorized by a PolicySecret(endorsement) session); Failed when it was made for
  // another TPM's EK or another key.
  Result<crypto::SecretBytes> ActivateCredential(const Tpm2Key& key, ByteView id_object,
                                                 ByteView encrypted_secret);
  // A quote of `pcrs` (SHA-256 bank) with `nonce` as its qualifying data.
  Result<Tpm2Quote> Quote(const Tpm2Key& key, ByteView nonce, const std::vector<int>& pcrs);
  // The contents of an NV index (the EK certificate: 0x01c0000a for ECC, 0x01c00002 RSA).
  Result<Bytes> ReadNv(std::uint32_t index);
  Status FlushContext(std::uint32_t handle);

  // One command and its response, raw (for the commands above and tests).
  Result<Bytes> Transact(ByteView command);

 private:
  Tpm2Client(UniqueFd fd, bool stream) : fd_(std::move(fd)), stream_(stream) {}
  Result<Bytes> TransactOnce(ByteView command);
  Result<Tpm2Key> CreatePrimaryKey(ByteView key_template);
  Result<std::uint32_t> EndorsementPolicySession();
  UniqueFd fd_;
  bool stream_;  // a socket: the response is read by its header's size
};

// The PCR selection for `pcrs` in the SHA-256 bank (TPML_PCR_SELECTION), as Quote and
// PCR_Read take it and TPMS_QUOTE_INFO reports it.
Bytes PcrSelection(const std::vector<int>& pcrs);

}  // namespace vigil::attestation
