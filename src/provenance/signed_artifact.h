// Checking a signed artifact offline, as its users would before asking the ledger
// (`vigil verify-artifact`): the DSSE envelope is signed by the signer's key, its payload
// is an in-toto statement, and the artifact is one of its subjects.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "crypto/public_key.h"
#include "provenance/dsse.h"
#include "provenance/provenance.h"

namespace vigil::provenance {

// What was verified offline: the envelope's statement, the artifact and the envelope.
struct SignedArtifact {
  StatementSummary statement;
  crypto::Sha256Digest sha256{};  // the artifact's
  std::string key_id;             // the key the envelope's signature verified with
  std::string envelope_sha256;    // of the exact envelope bytes
  std::string canonical_sha256;   // of the same envelope in the signer's encoding
};

struct VerifiedArtifact {
  SignedArtifact artifact;
  std::string subject;  // the artifact's name in the statement
};

// Verifies `envelope`, parsed from exactly `envelope_text` (whose digest the signer's record
// holds), with `key`, then finds the artifact among the statement's subjects.
// `hash_artifact` gives the artifact's SHA-256 and is called only once the signature and
// the statement are good (an artifact may be gigabytes); `artifact_name` names it in errors.
// Failed when the signature, the payload or the subject does not match.
Result<VerifiedArtifact> VerifySignedArtifact(
    const DsseEnvelope& envelope, std::string_view envelope_text, const crypto::PublicKey& key,
    const std::function<Result<crypto::Sha256Digest>()>& hash_artifact,
    const std::string& artifact_name);

}  // namespace vigil::provenance
