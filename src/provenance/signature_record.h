// The signature record: what the signer appends to the ledger (vigil.Append+signature)
// before an envelope leaves it, and what verify-artifact looks for. Format:
// docs/SPEC-ledger.md.
//   {"build_id","build_index","envelope_sha256","key_id","key_name",
//    "subjects":[{"name","sha256"}],"type":"signature"}
// The ledger adds "submitter":{"name","tags"} (the signer's call identity) when it logs it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "provenance/build_log_entry.h"

namespace vigil::provenance {

struct SignatureRecord {
  std::string build_id;
  std::uint64_t build_index = 0;  // the ledger index of the build's build-log entry
  std::string envelope_sha256;    // SHA-256 of the exact envelope bytes the signer returned
  std::string key_id;
  std::string key_name;
  std::vector<LoggedArtifact> subjects;
};

// A logged record: the signer's record and who submitted it.
struct LoggedSignature {
  SignatureRecord record;
  std::string submitter_name;
  std::vector<std::string> submitter_tags;
};

// The record as the signer submits it: canonical JSON, no submitter (the ledger adds it).
std::string SerializeSignatureRecord(const SignatureRecord& record);

// Parses a signature record as the ledger stores it (with its submitter), strictly: canonical
// JSON with exactly the members above, a 64-hex envelope digest, valid subjects. BadInput if
// it is another type of record or malformed.
Result<LoggedSignature> ParseLoggedSignature(ByteView entry);

}  // namespace vigil::provenance
