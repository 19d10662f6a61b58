// Micro-benchmarks of the image builder's stages, on a synthetic 2.5 MB tree shaped like
// the example (two static binaries and a few small files).
#include <benchmark/benchmark.h>

#include <random>

#include "crypto/hash.h"
#include "image/compress.h"
#include "image/cpio.h"

namespace vigil::image {
namespace {

// Executable-like data: partly random, partly repetitive, so compression has real work.
Bytes SyntheticBinary(std::size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  Bytes data(size);
  for (std::size_t i = 0; i < size; ++i) {
    data[i] =
        (i / 64) % 3 == 0 ? static_cast<std::uint8_t>(rng()) : static_cast<std::uint8_t>(i % 251);
  }
  return data;
}

std::vector<CpioEntry> SampleTree() {
  static const Bytes kInit = SyntheticBinary(1500000, 1);
  static const Bytes kHello = SyntheticBinary(1000000, 2);
  std::vector<CpioEntry> entries = {
      {.path = "init", .permissions = 0755, .data = kInit},
      {.path = "bin/hello", .permissions = 0755, .data = kHello},
      {.path = "etc/vigil/target", .permissions = 0444, .data = AsBytes("/b")},
  };
  AddParentDirectories(entries);
  return entries;
}

void BM_CpioWrite(benchmark::State& state) {
  auto tree = SampleTree();
  for (auto _ : state) {
    auto archive = WriteCpioNewc(tree, 1700000000);
    benchmark::DoNotOptimize(archive);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 2500000);
}
BENCHMARK(BM_CpioWrite);

void BM_Compress(benchmark::State& state) {
  auto archive = WriteCpioNewc(SampleTree(), 1700000000);
  auto kind = static_cast<Compression>(state.range(0));
  for (auto _ : state) {
    auto out = Compress(*archive, kind);
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(CompressionName(kind));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * archive->size()));
}
BENCHMARK(BM_Compress)
    ->Arg(static_cast<int>(Compression::kGzip))
    ->Arg(static_cast<int>(Compression::kZstd))
    ->Unit(benchmark::kMillisecond);

void BM_Sha384(benchmark::State& state) {
  Bytes data = SyntheticBinary(8 << 20, 3);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::Sha384(data));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_Sha384)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vigil::image

BENCHMARK_MAIN();
