// Strict UTF-8 (RFC 3629): the one decoder and validator. Well-formed means no overlong
// form, no surrogate (U+D800..U+DFFF), nothing above U+10FFFF and no truncated sequence,
// which is also what a Rust String, Go's utf8.Valid and serde_json accept.
#pragma once

#include <cstddef>
#include <string_view>

namespace vigil {

// Decodes the UTF-8 sequence at the start of `text`: returns its length (1..4) and sets
// `code_point`, or returns 0 (leaving `code_point` unspecified) when `text` is empty or the
// sequence there is ill-formed.
std::size_t DecodeUtf8(std::string_view text, char32_t& code_point);

// True when all of `text` is well-formed UTF-8 (the empty text is).
bool IsValidUtf8(std::string_view text);

}  // namespace vigil
