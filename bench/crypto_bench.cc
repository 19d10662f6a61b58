// Throughput of the quorum cryptography, as items per second for scripts/bench to set
// beside `openssl speed` measured in the same run.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "crypto/envelope.h"
#include "crypto/p256.h"
#include "crypto/random.h"
#include "crypto/shamir.h"

namespace vigil::crypto {
namespace {

qos::P256Pair FixedPair() {
  SecretBytes seed(32);
  for (std::size_t i = 0; i < seed.size(); ++i) seed.data()[i] = static_cast<std::uint8_t>(i);
  auto pair = qos::P256Pair::FromSeed(seed);
  if (!pair.ok()) std::abort();
  return std::move(pair).value();
}

// What `openssl speed ecdsap256` signs: a 20-byte message (it signs a digest directly;
// hashing 20 bytes first costs well under a microsecond).
const Bytes kMessage(20, 0x42);

void BM_P256Sign(benchmark::State& state) {
  qos::P256Pair pair = FixedPair();
  for (auto _ : state) {
    auto signature = pair.Sign(kMessage);
    if (!signature.ok()) state.SkipWithError("sign failed");
    benchmark::DoNotOptimize(signature);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_P256Sign);

void BM_P256Verify(benchmark::State& state) {
  qos::P256Pair pair = FixedPair();
  auto key = qos::P256Public::FromBytes(pair.public_key());
  auto signature = pair.Sign(kMessage);
  if (!key.ok() || !signature.ok()) std::abort();
  for (auto _ : state) {
    Status ok = key->Verify(kMessage, *signature);
    if (!ok.ok()) state.SkipWithError("verify failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_P256Verify);

void BM_EnvelopeEncrypt(benchmark::State& state) {
  qos::P256Pair pair = FixedPair();
  auto key = qos::P256Public::FromBytes(pair.public_key());
  Bytes plaintext(33, 7);  // a share of a 32-byte key
  for (auto _ : state) {
    auto envelope = qos::Encrypt(*key, plaintext);
    if (!envelope.ok()) state.SkipWithError("encrypt failed");
    benchmark::DoNotOptimize(envelope);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EnvelopeEncrypt);

void BM_EnvelopeDecrypt(benchmark::State& state) {
  qos::P256Pair pair = FixedPair();
  auto key = qos::P256Public::FromBytes(pair.public_key());
  auto envelope = qos::Encrypt(*key, Bytes(33, 7));
  if (!envelope.ok()) std::abort();
  for (auto _ : state) {
    auto plaintext = qos::Decrypt(pair, *envelope);
    if (!plaintext.ok()) state.SkipWithError("decrypt failed");
    benchmark::DoNotOptimize(plaintext);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EnvelopeDecrypt);

void BM_ShamirSplitReconstruct3of5(benchmark::State& state) {
  auto secret = RandomSecret(32);
  if (!secret.ok()) std::abort();
  for (auto _ : state) {
    auto shares = shamir::Split(secret->view(), 3, 5);
    if (!shares.ok()) state.SkipWithError("split failed");
    std::vector<ByteView> three = {(*shares)[0].view(), (*shares)[2].view(), (*shares)[4].view()};
    auto back = shamir::Reconstruct(three);
    if (!back.ok()) state.SkipWithError("reconstruct failed");
    benchmark::DoNotOptimize(back);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ShamirSplitReconstruct3of5);

}  // namespace
}  // namespace vigil::crypto

BENCHMARK_MAIN();
