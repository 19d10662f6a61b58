// QuorumOS's PCR file (its release directories' aws-x86_64.pcrs, Vigil's NAME.pcrs; the
// mock NSM's --mock-pcrs): one "<hex> PCR<n>" line per register.
#pragma once

#include <map>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil::attestation {

// Every line must be 96 hex digits (SHA-384), one space, "PCR" and an index from 0 to 31
// without leading zeros; blank lines are skipped; an index given twice is refused.
Result<std::map<int, Bytes>> ParsePcrsFile(std::string_view text);

// A TPM's SHA-256 PCR file (an image's NAME.tpm-pcrs, a platform's reference values,
// docs/SPEC-tpm.md): the same lines with 64 hex digits and an index from 0 to 23, and lines
// starting with '#' are comments.
Result<std::map<int, Bytes>> ParseTpmPcrsFile(std::string_view text);

}  // namespace vigil::attestation
