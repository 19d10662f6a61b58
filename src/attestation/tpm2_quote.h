// Reading and checking what a TPM 2.0 quote says (TPM 2.0 Library Part 2, TPMS_ATTEST and
// TPMT_SIGNATURE; Part 3, TPM2_Quote): the attestation structure's magic and type, the
// qualifying data (the verifier's nonce), the PCR selection and digest, and the ECDSA
// signature by an attestation key whose public area (TPMT_PUBLIC) is given. Read strictly.
// Spec: docs/SPEC-tpm.md.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"

namespace vigil::attestation {

struct Tpm2QuoteInfo {
  Bytes qualified_signer;  // TPM2B_NAME
  Bytes extra_data;        // the qualifying data: the verifier's nonce
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0;
  std::uint32_t restart_count = 0;
  bool safe = false;
  std::uint64_t firmware_version = 0;
  std::vector<int> pcrs;  // the SHA-256 bank's selection, ascending
  Bytes pcr_digest;       // SHA-256 of the selected PCRs' values, in index order
};

// BadInput naming the field when `attest` is not a TPMS_ATTEST of type TPM_ST_ATTEST_QUOTE
// with one SHA-256 PCR selection.
Result<Tpm2QuoteInfo> ParseTpm2Quote(ByteView attest);

// An attestation key: ECC P-256, ECDSA with SHA-256, restricted signing (fixedTPM,
// fixedParent, sensitiveDataOrigin); its point and its name (0x000b || SHA-256 of the area).
struct Tpm2AttestationKey {
  Bytes point;  // 0x04 || x || y
  Bytes name;
};
// BadInput naming what is wrong when `public_area` (a TPMT_PUBLIC) is not such a key.
Result<Tpm2AttestationKey> ParseTpm2AttestationKey(ByteView public_area);

// Failed unless `signature` (a TPMT_SIGNATURE: ECDSA, SHA-256) verifies over `attest`
// under `key`.
Status VerifyTpm2Signature(const Tpm2AttestationKey& key, ByteView attest, ByteView signature);

// What a verifier expects of a quote: made by this attestation key (its TPMT_PUBLIC), over
// its nonce, of exactly these PCRs (SHA-256 bank) holding these values.
struct Tpm2QuoteExpectation {
  ByteView attestation_key;  // TPMT_PUBLIC
  ByteView nonce;
  std::vector<std::pair<int, crypto::Sha256Digest>> pcrs;  // ascending by index
};

// Every check, each failure naming its check: the key, the signature, the nonce ("a
// replayed quote"), the PCR selection, the PCR digest. The quote read, when all hold.
Result<Tpm2QuoteInfo> VerifyTpm2Quote(ByteView attest, ByteView signature,
                                      const Tpm2QuoteExpectation& expected);

// The pcrDigest a quote of these values carries: SHA-256 of their concatenation.
crypto::Sha256Digest Tpm2PcrDigest(const std::vector<crypto::Sha256Digest>& values);

}  // namespace vigil::attestation
