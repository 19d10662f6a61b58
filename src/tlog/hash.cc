#include "tlog/hash.h"

#include <algorithm>

#include "crypto/hash.h"

namespace vigil::tlog {

Hash LeafHash(ByteView entry) {
  Bytes buffer(1 + entry.size());
  buffer[0] = 0x00;
  std::copy(entry.begin(), entry.end(), buffer.begin() + 1);
  return crypto::Sha256(buffer);
}

Hash NodeHash(const Hash& left, const Hash& right) {
  std::array<std::uint8_t, 1 + 2 * 32> buffer;
  buffer[0] = 0x01;
  std::copy(left.begin(), left.end(), buffer.begin() + 1);
  std::copy(right.begin(), right.end(), buffer.begin() + 33);
  return crypto::Sha256(buffer);
}

Hash EmptyRoot() { return crypto::Sha256({}); }

}  // namespace vigil::tlog
