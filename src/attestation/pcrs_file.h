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

}  // namespace vigil::attestation
