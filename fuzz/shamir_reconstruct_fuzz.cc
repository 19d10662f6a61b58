// libFuzzer target: Shamir reconstruction on arbitrary shares. The first byte picks the share
// count (2..8); the rest is cut into that many equal shares, any remainder dropped. Traps if
// the input is accepted or refused against the rules, if the secret has the wrong size, if the
// order of the shares changes the result, or if splitting the result again does not round-trip.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/secret.h"
#include "crypto/shamir.h"

namespace shamir = vigil::crypto::shamir;
using vigil::ByteView;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t count = 2 + data[0] % 7;
  const std::size_t share_size = (size - 1) / count;
  std::vector<ByteView> shares;
  for (std::size_t i = 0; i < count; ++i)
    shares.emplace_back(data + 1 + i * share_size, share_size);

  bool valid = share_size >= 2 && share_size <= shamir::kMaxSecretSize + 1;
  std::array<bool, 256> seen{};
  for (ByteView share : shares) {
    if (!valid) break;
    valid = share[0] != 0 && !seen[share[0]];
    seen[share[0]] = true;
  }

  auto secret = shamir::Reconstruct(shares);
  if (secret.ok() != valid) __builtin_trap();
  if (!secret.ok()) return 0;
  if (secret->size() != share_size - 1) __builtin_trap();

  std::reverse(shares.begin(), shares.end());
  auto reversed = shamir::Reconstruct(shares);
  if (!reversed.ok() || !vigil::crypto::ConstantTimeEqual(reversed->view(), secret->view())) {
    __builtin_trap();
  }

  const std::size_t threshold = 2 + data[0] % (count - 1);
  auto again = shamir::Split(secret->view(), threshold, count);
  if (!again.ok()) __builtin_trap();
  std::vector<ByteView> subset;
  for (std::size_t i = count - threshold; i < count; ++i) subset.push_back((*again)[i].view());
  auto round_trip = shamir::Reconstruct(subset);
  if (!round_trip.ok() || !vigil::crypto::ConstantTimeEqual(round_trip->view(), secret->view())) {
    __builtin_trap();
  }
  return 0;
}
