// libFuzzer target: arbitrary bytes into both qos envelope decryptions with one fixed pair.
// Neither may crash, and whatever they accept must account for every byte: the plaintext
// plus the fixed overhead is exactly the input size.
//
// The pair is the public boot-e2e vector user1 (../shared/vectors/qos/boot-e2e), so the
// real qos envelope user1.share in fuzz/seeds/envelope_decrypt/ decrypts and the fuzzer
// starts from the accepting path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "base/hex.h"
#include "crypto/envelope.h"
#include "crypto/p256.h"

namespace {

using vigil::ByteView;
using vigil::crypto::SecretBytes;
using vigil::crypto::qos::P256Pair;

const P256Pair& FixedPair() {
  // Built once and kept for the life of the process.
  static const P256Pair* pair = [] {
    auto seed =
        vigil::HexDecode("be117d2f4b71edf57bc3401a4f39e401883d825b4f9e3e1354cb416f9c153136");
    if (!seed.ok()) std::abort();
    auto made = P256Pair::FromSeed(SecretBytes(*seed));
    if (!made.ok()) std::abort();
    return new P256Pair(std::move(made).value());
  }();
  return *pair;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView input(data, size);
  auto opened = vigil::crypto::qos::Decrypt(FixedPair(), input);
  if (opened.ok() && opened->size() + vigil::crypto::qos::kEnvelopeOverhead != size) {
    std::abort();
  }
  auto symmetric = vigil::crypto::qos::DecryptSymmetric(FixedPair(), input);
  if (symmetric.ok() &&
      symmetric->size() + vigil::crypto::qos::kSymmetricEnvelopeOverhead != size) {
    std::abort();
  }
  return 0;
}
