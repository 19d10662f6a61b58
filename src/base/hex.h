// Lowercase hexadecimal encoding and strict decoding.
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"

namespace vigil {

// Encodes bytes as lowercase hex.
std::string HexEncode(ByteView bytes);

// Decodes hex (either case). Fails on an odd length or a non-hex character.
Result<Bytes> HexDecode(std::string_view hex);

}  // namespace vigil
