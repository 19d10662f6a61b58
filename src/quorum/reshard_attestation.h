// The check of a reshard's attested output (docs/SPEC-quorum.md, "Resharding"), made by the
// host before it keeps the output and by each new share holder before it keeps its share:
// the output decodes strictly and answers the reshard (quorum/reshard.h CheckReshardOutput);
// the document verifies (chain, time, ES384), carries no nonce and no public key, its
// user_data is SHA-256 of the output's bytes, PCR0-3 are the manifest's measurements and
// PCR18 is the commitment to the reshard's hash, so the output came from the enclave that
// booted this reshard.
#pragma once

#include "attestation/document.h"
#include "attestation/document_verifier.h"
#include "quorum/reshard.h"

namespace vigil::quorum {

// `options` gives the root, the time and trust in the mock; its expectations are replaced.
Result<ReshardOutput> VerifyReshardOutput(ByteView output_borsh, ByteView document,
                                          const ReshardManifest& reshard,
                                          attestation::VerifyOptions options);

}  // namespace vigil::quorum
