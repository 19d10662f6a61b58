// Throughput of the quorum cryptography, as items per second for scripts/bench to set
// beside `openssl speed` measured in the same run.
#include <benchmark/benchmark.h>
#include <openssl/bn.h>

#include <cstdlib>

#include "crypto/envelope.h"
#include "crypto/p256.h"
#include "crypto/p256_scalar.h"
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

// k^-1 mod n, the constant-time inverse every signature needs: ours (Bernstein-Yang
// safegcd, p256_scalar.cc) against OpenSSL's exported constant-time choice, Fermat's
// k^(n-2) with BN_mod_exp_mont_consttime (issue 15 asks which is faster; the faster stays).
const qos::Scalar kNonce = {0x6f, 0x21, 0x4a, 0x9c, 0x11, 0x0b, 0xee, 0x42, 0x5d, 0x73, 0x81,
                            0x90, 0x3a, 0x6c, 0x2e, 0xd4, 0x17, 0x88, 0x5a, 0x09, 0xc3, 0x36,
                            0x7b, 0xf1, 0x22, 0x4e, 0x95, 0x0d, 0x64, 0xab, 0x58, 0x13};

void BM_InverseSafegcd(benchmark::State& state) {
  std::uint8_t out[32];
  for (auto _ : state) {
    if (!qos::InvertModN(kNonce, out)) state.SkipWithError("inverse failed");
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InverseSafegcd);

void BM_InverseOpenSslFermat(benchmark::State& state) {
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* n = BN_bin2bn(qos::kOrderBytes.data(), 32, nullptr);
  BIGNUM* exponent = BN_dup(n);
  BN_sub_word(exponent, 2);
  BIGNUM* k = BN_bin2bn(kNonce.data(), 32, nullptr);
  BN_set_flags(k, BN_FLG_CONSTTIME);
  BIGNUM* out = BN_new();
  BN_MONT_CTX* mont = BN_MONT_CTX_new();
  BN_MONT_CTX_set(mont, n, ctx);
  for (auto _ : state) {
    if (BN_mod_exp_mont_consttime(out, k, exponent, n, ctx, mont) != 1) {
      state.SkipWithError("BN_mod_exp_mont_consttime failed");
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  BN_MONT_CTX_free(mont);
  BN_free(out);
  BN_free(k);
  BN_free(exponent);
  BN_free(n);
  BN_CTX_free(ctx);
}
BENCHMARK(BM_InverseOpenSslFermat);

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
