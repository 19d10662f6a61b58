// OLPC canonical JSON, the bytes TUF signatures cover, as securesystemslib (encode_canonical)
// and tuf-js (canonicalize) write them: no whitespace, object keys in sorted order, strings
// quoted with only '"' and '\' escaped, integers in decimal, true, false, null. The two
// implementations agree only on printable ASCII strings, so those are all that is written
// (docs/SPEC-tuf.md). A third encoder in this codebase, beside the ledger's and QuorumOS's,
// because each format's bytes are fixed by others' verifiers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "base/result.h"

namespace vigil::tuf {

// BadInput for a float, or a string or key with a byte outside 0x20..0x7e.
Result<std::string> CanonicalJson(const nlohmann::json& value);

// Appends `text` as a canonical JSON string (for encoders that write large documents
// directly); the same refusal.
Status AppendCanonicalString(const std::string& text, std::string& out);

}  // namespace vigil::tuf
