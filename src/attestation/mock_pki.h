// The mock NSM's P-384 PKI: QuorumOS's published test chain (root, intermediate, leaf, valid
// 2020 to 2120) and the leaf's private key, which is public. Anything it signs proves
// nothing; verifiers refuse its root unless told to trust it (document_verifier.h).
#pragma once

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/es384.h"
#include "crypto/hash.h"

namespace vigil::attestation {

struct MockPki {
  Bytes root;          // DER
  Bytes intermediate;  // DER
  Bytes leaf;          // DER
  crypto::Es384Signer leaf_key;
};

Result<MockPki> LoadMockPki();

// The root's DER, and its SHA-256, by which verifiers recognise it.
Bytes MockRootDer();
crypto::Sha256Digest MockRootSha256();

}  // namespace vigil::attestation
