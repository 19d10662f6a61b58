// RFC 6962 / RFC 9162 Merkle tree hashing: the only code the log writer and the proof
// verifier share.
#pragma once
#include <array>
#include <cstdint>

#include "base/bytes.h"

namespace vigil::tlog {

using Hash = std::array<std::uint8_t, 32>;

// SHA-256(0x00 || entry): the hash of a leaf.
Hash LeafHash(ByteView entry);
// SHA-256(0x01 || left || right): the hash of an interior node.
Hash NodeHash(const Hash& left, const Hash& right);
// SHA-256 of nothing: the root of the empty tree.
Hash EmptyRoot();

}  // namespace vigil::tlog
