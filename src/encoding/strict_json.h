// Strict JSON for untrusted documents whose layout is free but whose meaning must be
// unambiguous (DSSE envelopes, EIF metadata): RFC 8259 JSON, refusing what another parser
// could read differently.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil::encoding {

// Nesting a document may have when the caller does not say: the root is at depth 0.
inline constexpr std::size_t kDefaultMaxJsonDepth = 64;

// Parses `text` as exactly one JSON value, surrounded by nothing but JSON whitespace.
// BadInput, with a message starting with `what` that names the problem and where it is, for:
// invalid JSON or invalid UTF-8 (with the byte offset); a NUL byte anywhere (nlohmann, like
// C, would stop reading there and ignore the rest); bytes after the value; a key repeated in
// one object (parsers differ on which value wins, so two readers could see two documents);
// nesting deeper than `max_depth`, refused before anything deeper is built.
Result<nlohmann::json> ParseStrictJson(std::string_view text, std::string_view what,
                                       std::size_t max_depth = kDefaultMaxJsonDepth);

// nlohmann's description of a parse error at byte `position` ("invalid JSON near byte 12:
// parsing value - invalid literal", or "trailing bytes after the JSON value, near byte 12"),
// without its excerpt of the input (which may be secret, or not printable).
std::string DescribeJsonParseError(std::size_t position, const nlohmann::json::exception& error);

}  // namespace vigil::encoding
