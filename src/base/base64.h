// Standard base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding) with strict decoding:
// each byte string has exactly one accepted encoding.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil {

// Encodes bytes as standard base64 with '=' padding (empty input gives empty text).
std::string Base64Encode(ByteView bytes);

// Decodes standard padded base64. Strict: rejects whitespace and line breaks, characters
// outside the standard alphabet (including the URL-safe '-' and '_'), missing, extra or
// misplaced '=' padding, and non-canonical text whose unused trailing bits are not zero
// (BadInput "not valid base64: ..."). Safe for secrets: the message gives an offset, never
// the text, the output is allocated once and partial output is zeroed on an error.
Result<Bytes> Base64Decode(std::string_view text);

}  // namespace vigil
