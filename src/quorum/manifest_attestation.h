// QuorumOS's checks of an enclave's attestation against the manifest it was booted with
// (qos_nsm verify_attestation_doc_against_manifest_{setup,live}), done by share holders
// before they encrypt anything to the enclave and by the host tools: the document verifies
// (attestation/document_verifier.h), its user_data is the manifest hash, it carries no
// nonce, PCR0-3 are the manifest's, all 32 PCRs are present, it carries a public key, and
// PCR16 (setup) or PCR17 (live) is exactly one extend of the commitment to the manifest hash
// and that key, and PCR18 one extend of Vigil's commitment to the manifest alone (so a
// document from QuorumOS's own qos_core, which leaves PCR18 zero, fails: `pcr18`). Failures
// are Failed, naming the check.
#pragma once

#include "attestation/document.h"
#include "attestation/document_verifier.h"
#include "crypto/hash.h"
#include "quorum/manifest.h"
#include "quorum/manifest_commitment.h"

namespace vigil::quorum {

// `options` gives the root, the time and trust in the mock; its expectations are replaced.
Result<attestation::AttestationDocument> VerifyAgainstManifest(ByteView document,
                                                               const Manifest& manifest,
                                                               ManifestPhase phase,
                                                               attestation::VerifyOptions options);

// The same with the hash the enclave committed to given: a reshard enclave commits to its
// reshard manifest's hash (quorum/reshard.h) and runs on `manifest`'s measurements.
Result<attestation::AttestationDocument> VerifyAgainstManifestHash(
    ByteView document, const Manifest& manifest, const crypto::Sha256Digest& hash,
    ManifestPhase phase, attestation::VerifyOptions options);

}  // namespace vigil::quorum
