// A plain program: the witness's cosignature round trip on loopback (POST /add-checkpoint
// for a log growing one entry a request, each with its consistency proof, the state synced
// before the answer), against the same HTTP round trip to a route that answers at once.
// Prints p50 and p99 of each and their ratio.
//
//   witness_bench [--requests N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "base/base64.h"
#include "base/file.h"
#include "base/strict_number.h"
#include "http/client.h"
#include "http/server.h"
#include "tlog/checkpoint.h"
#include "tlog/prove.h"
#include "witness/witness.h"

namespace {

using namespace vigil;  // NOLINT: a benchmark's entry point
using Clock = std::chrono::steady_clock;

constexpr std::string_view kOrigin = "bench.example/log";

// A log that grows one leaf at a time and writes each add-checkpoint request.
class GrowingLog {
 public:
  GrowingLog() : signer_(tlog::NoteSigner::Create(kOrigin).value()) {}
  const tlog::NoteSigner& signer() const { return signer_; }
  std::string NextRequest() {
    const std::uint64_t old = range_.size();
    range_.Append(tlog::LeafHash(AsBytes(std::to_string(old))),
                  [this](int level, std::uint64_t index, const tlog::Hash& hash) {
                    hashes_[{level, index}] = hash;
                  });
    std::string request = "old " + std::to_string(old) + "\n";
    if (old > 0) {
      auto proof = tlog::ConsistencyProof(
          old, range_.size(), [this](int level, std::uint64_t index) -> Result<tlog::Hash> {
            return hashes_.at({level, index});
          });
      for (const tlog::Hash& hash : proof.value()) request += Base64Encode(hash) + "\n";
    }
    const tlog::Checkpoint checkpoint{
        .origin = std::string(kOrigin), .size = range_.size(), .root = range_.Root()};
    return request + "\n" + signer_.Sign(tlog::FormatCheckpointText(checkpoint)).value();
  }

 private:
  tlog::NoteSigner signer_;
  tlog::CompactRange range_;
  std::map<std::pair<int, std::uint64_t>, tlog::Hash> hashes_;
};

struct Percentiles {
  double p50 = 0, p99 = 0;
};

Percentiles Measure(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

// N round trips of `next()`'s bodies to `path`; the latencies in ms. Exits on any answer but 200.
template <typename Next>
std::vector<double> RoundTrips(const http::Url& url, const std::string& path, int n, Next next) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const std::string body = next();
    const auto start = Clock::now();
    auto reply = http::Post(url, path, AsBytes(body), {});
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    if (!reply.ok() || reply->status != 200) {
      std::fprintf(
          stderr, "witness_bench: %s answered %s\n", path.c_str(),
          reply.ok() ? std::to_string(reply->status).c_str() : reply.error().message().c_str());
      std::exit(1);
    }
  }
  return ms;
}

}  // namespace

int main(int argc, char** argv) {
  int requests = 2000;
  if (argc == 3 && std::string_view(argv[1]) == "--requests") {
    auto n = ParseUnsigned(argv[2], "--requests", 10, 1000000);
    if (!n.ok()) return 2;
    requests = static_cast<int>(*n);
  }
  auto dir = TempDir::Create("/tmp", "vigil-witness-bench.").value();
  GrowingLog log;
  auto cosigner = tlog::Cosigner::Create("witness.bench", crypto::Ed25519GenerateSeed().value());
  auto witness = witness::Witness::Open(std::move(cosigner.value()),
                                        {{std::string(kOrigin), log.signer().verifier()}},
                                        dir.path() / "state", [] { return std::uint64_t{1}; })
                     .value();
  http::ServerLimits limits;
  limits.max_body = witness::kMaxAddCheckpointBytes;
  http::Server server(limits);
  server.Post("/add-checkpoint", [&witness](const http::Request& request, http::Response& out) {
    witness::WitnessAnswer answer = witness->AddCheckpoint(request.body);
    out.status = answer.status;
    out.SetContent(std::move(answer.body), std::move(answer.content_type));
  });
  server.Post("/echo", [](const http::Request&, http::Response& out) {
    out.SetContent("ok\n", "text/plain");
  });
  const int port = server.Start("127.0.0.1", 0).value();
  const http::Url url{.host = "127.0.0.1", .port = port};
  // The baseline sends bodies of the same size (one checkpoint request each).
  const std::string sample = GrowingLog().NextRequest();
  const Percentiles baseline =
      Measure(RoundTrips(url, "/echo", requests, [&sample] { return sample; }));
  const Percentiles cosign =
      Measure(RoundTrips(url, "/add-checkpoint", requests, [&log] { return log.NextRequest(); }));
  server.Stop();
  std::printf(
      "== witness cosignature round trip on loopback (%d requests, a log growing one entry each)\n",
      requests);
  std::printf(
      "  vigil-witness add-checkpoint (proof checked, state synced, Ed25519 cosignature): p50 %.2f "
      "ms, p99 %.2f ms\n",
      cosign.p50, cosign.p99);
  std::printf(
      "  the same HTTP round trip to a route that answers at once: p50 %.2f ms, p99 %.2f ms\n",
      baseline.p50, baseline.p99);
  std::printf(
      "  ratio p50 witness/baseline: %.1f (each cosignature waits for its state to be synced)\n",
      cosign.p50 / baseline.p50);
  return 0;
}
