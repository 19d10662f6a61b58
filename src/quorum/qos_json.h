// The canonical JSON of QuorumOS (tkhq/qos qos_json): the bytes qos signs and hashes.
//
// Rules: object keys sorted by UTF-16 code units, no whitespace, integers written as decimal
// strings, null object members omitted (null array elements stay), binary values as lowercase
// hex strings, strings escaped as serde_json does (\" \\ \b \f \n \r \t, other control
// characters as \u00xx, everything else raw UTF-8), at most kMaxDepth levels of nesting.
// Floats are not representable. Spec: docs/SPEC-qos-shamir-json.md.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::quorum::qos_json {

// qos_json::MAX_DEPTH: the root is at depth 0 and no value may be deeper than 8.
inline constexpr std::size_t kMaxDepth = 8;
// Largest text ParseCanonical accepts.
inline constexpr std::size_t kMaxTextSize = 1024 * 1024;

// Writes `value` in canonical form. Integers become decimal strings and binary values hex
// strings; null object members are dropped. BadInput for a float, a string or key that is not
// valid UTF-8, or nesting deeper than kMaxDepth (the message names the path, e.g. $.a[2]).
Result<std::string> Serialize(const nlohmann::json& value);

// Parses text that must already be canonical: valid UTF-8 JSON of at most kMaxTextSize bytes,
// one value and nothing after it, no duplicate keys, keys in order, no whitespace, no numbers
// (integers are decimal strings), no null object members, no nesting deeper than kMaxDepth,
// and strings escaped exactly as Serialize escapes them; in short Serialize(result) == text.
// The result holds strings where the value was an integer or bytes; the caller decodes them.
// BadInput otherwise, with a message naming the problem and where it is.
Result<nlohmann::json> ParseCanonical(std::string_view text);

}  // namespace vigil::quorum::qos_json
