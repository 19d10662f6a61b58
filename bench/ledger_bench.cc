// The ledger's figures, each beside a baseline measured in the same run:
//   - appends per second with durable group commit (8 concurrent appenders) against
//     fsync'd sequential writes of the same bytes (one fdatasync per entry);
//   - latency from append to a checkpoint covering it, p50 and p99, under that load and
//     for a lone appender;
//   - log ingest from 20 concurrent build streams over loopback mutual TLS into a running
//     ledger service, against the same bytes written straight to disk (one fsync).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/unique_fd.h"
#include "ledger/build_entry.h"
#include "ledger/build_logs.h"
#include "ledger/ledger_service.h"
#include "rpc/ca.h"
#include "rpc/call_client.h"
#include "rpc/service_host.h"
#include "sample_entry.h"
#include "tlog/sequencer.h"
#include "tlog/store.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kAppenders = 8;
constexpr int kAppendsPerAppender = 40'000;
constexpr int kLoneAppends = 300;
constexpr int kStreams = 20;
constexpr std::size_t kStreamBytes = 8u << 20;  // per stream
constexpr double kAppendGoal = 50'000;
constexpr double kIngestGoalMBs = 100;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

using bench::SampleEntry;

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

void Report(const char* label, double ours, const char* baseline_label, double baseline,
            const char* unit, double goal) {
  std::printf("%-44s %12.1f %-5s  %-36s %12.1f %-5s  ratio %6.2f", label, ours, unit,
              baseline_label, baseline, unit, ours / baseline);
  if (goal > 0) {
    std::printf("  goal >= %.0f %s: %s", goal, unit, ours >= goal ? "met" : "NOT MET");
  }
  std::printf("\n");
}

// Durable sequential writes of the same entries, one fdatasync each: a log without group
// commit. Runs for about a second.
double BaselineAppendsPerSecond(const fs::path& dir) {
  UniqueFd fd(::open((dir / "baseline").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  const auto start = Clock::now();
  int n = 0;
  while (SecondsSince(start) < 1.0) {
    const Bytes entry = SampleEntry(0, n);
    if (::write(fd.get(), entry.data(), entry.size()) < 0 || ::fdatasync(fd.get()) != 0) {
      std::perror("baseline write");
      return 0;
    }
    ++n;
  }
  return n / SecondsSince(start);
}

struct AppendFigures {
  double per_second;
  std::vector<double> latencies_ms;
};

AppendFigures MeasureAppends(tlog::Sequencer& sequencer, int appenders, int per_appender) {
  std::vector<double> latencies(static_cast<std::size_t>(appenders * per_appender));
  std::atomic<int> remaining{appenders * per_appender};
  std::mutex mutex;
  std::condition_variable done;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int a = 0; a < appenders; ++a) {
    threads.emplace_back([&, a] {
      for (int i = 0; i < per_appender; ++i) {
        const auto sent = Clock::now();
        const std::size_t slot = static_cast<std::size_t>(a * per_appender + i);
        Status added = sequencer.Add(SampleEntry(a, i), [&, sent, slot](Result<std::uint64_t> r) {
          if (!r.ok()) std::fprintf(stderr, "append failed: %s\n", r.error().message().c_str());
          latencies[slot] = SecondsSince(sent) * 1000;
          if (remaining.fetch_sub(1) == 1) {
            std::lock_guard lock(mutex);
            done.notify_all();
          }
        });
        if (!added.ok()) {
          std::fprintf(stderr, "append refused: %s\n", added.error().message().c_str());
          std::abort();
        }
        if (appenders == 1) {  // a lone appender waits for each answer
          while (remaining.load() > appenders * per_appender - i - 1) std::this_thread::yield();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::unique_lock lock(mutex);
  done.wait(lock, [&] { return remaining.load() == 0; });
  return {appenders * per_appender / SecondsSince(start), latencies};
}

// A ledger service on loopback TCP with a fresh CA, a builder certificate and a policy.
struct LedgerFixture {
  fs::path dir;
  std::unique_ptr<tlog::LogStore> store;
  std::unique_ptr<ledger::BuildLogs> logs;
  std::unique_ptr<tlog::Sequencer> sequencer;
  std::unique_ptr<ledger::LedgerService> service;
  std::unique_ptr<rpc::ServiceHost> host;
  rpc::Address address;
  std::thread thread;
};

Status StartLedger(const fs::path& dir, LedgerFixture& fixture) {
  const fs::path ca = dir / "ca";
  fs::create_directories(dir);
  VIGIL_RETURN_IF_ERROR(rpc::InitCa(ca, 1));
  VIGIL_RETURN_IF_ERROR(rpc::IssueCertificate(ca, "ledger", {"log"}, 1).status());
  VIGIL_RETURN_IF_ERROR(rpc::IssueCertificate(ca, "builder", {"build"}, 1).status());
  fs::create_directories(dir / "policy");
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(dir / "policy" / "10.policy",
                                        AsBytes("vigil.BuildLog * @tag:build @any allow\n")));
  VIGIL_RETURN_IF_ERROR(tlog::LogStore::Init(dir / "log", "bench.vigil/ledger"));
  VIGIL_ASSIGN_OR_RETURN(fixture.store, tlog::LogStore::Open(dir / "log", ledger::LabelEntry));
  VIGIL_ASSIGN_OR_RETURN(fixture.logs, ledger::BuildLogs::Open(dir / "log"));
  fixture.sequencer = std::make_unique<tlog::Sequencer>(*fixture.store);
  fixture.service =
      std::make_unique<ledger::LedgerService>(*fixture.store, *fixture.sequencer, *fixture.logs);
  rpc::ServiceHostOptions options;
  options.tls = {ca / "ledger.crt", ca / "ledger.key", ca / "ca.crt"};
  options.policy_dir = dir / "policy";
  options.handle_signals = false;
  VIGIL_ASSIGN_OR_RETURN(fixture.host, rpc::ServiceHost::Create(options));
  fixture.service->RegisterWith(*fixture.host);
  VIGIL_ASSIGN_OR_RETURN(fixture.address,
                         fixture.host->Listen(*rpc::ParseAddress("tcp:127.0.0.1:0")));
  fixture.thread = std::thread([&fixture] { (void)fixture.host->Run(); });
  return OkStatus();
}

std::string StreamInput(int stream) {
  std::string input;
  input.reserve(kStreamBytes + 64);
  int line = 0;
  while (input.size() < kStreamBytes) {
    input += "log [" + std::to_string(stream) + "] compiling module " + std::to_string(line++) +
             ": cc -O2 -Wall -c src/module.c -o build/module.o and some more output text\n";
  }
  return input + "close\n";
}

Status RunBench() {
  VIGIL_ASSIGN_OR_RETURN(TempDir temp, TempDir::Create(fs::temp_directory_path(), "ledger-bench."));

  // Appends.
  VIGIL_RETURN_IF_ERROR(tlog::LogStore::Init(temp.path() / "appends", "bench.vigil/appends"));
  VIGIL_ASSIGN_OR_RETURN(auto store, tlog::LogStore::Open(temp.path() / "appends"));
  const double baseline = BaselineAppendsPerSecond(temp.path());
  AppendFigures loaded;
  AppendFigures lone;
  {
    tlog::Sequencer sequencer(*store);
    loaded = MeasureAppends(sequencer, kAppenders, kAppendsPerAppender);
    lone = MeasureAppends(sequencer, 1, kLoneAppends);
  }
  Report("appends/s, durable group commit (8 threads)", loaded.per_second,
         "fdatasync per entry, same bytes", baseline, "/s", kAppendGoal);
  std::printf("%-44s p50 %7.2f ms  p99 %7.2f ms  (lone appender: p50 %.2f ms, p99 %.2f ms)\n",
              "append -> covering checkpoint, under load", Percentile(loaded.latencies_ms, 0.5),
              Percentile(loaded.latencies_ms, 0.99), Percentile(lone.latencies_ms, 0.5),
              Percentile(lone.latencies_ms, 0.99));
  std::printf("%-44s %zu entries, checkpoint size %llu\n", "", loaded.latencies_ms.size(),
              static_cast<unsigned long long>(store->size()));

  // Ingest from concurrent build streams.
  LedgerFixture fixture;
  VIGIL_RETURN_IF_ERROR(StartLedger(temp.path() / "service", fixture));
  std::vector<std::string> inputs;
  std::size_t total = 0;
  for (int s = 0; s < kStreams; ++s) {
    inputs.push_back(StreamInput(s));
    total += inputs.back().size();
  }
  const fs::path ca = temp.path() / "service" / "ca";
  rpc::ClientOptions client;
  client.tls = {ca / "builder.crt", ca / "builder.key", ca / "ca.crt"};
  std::atomic<int> failures{0};
  const auto start = Clock::now();
  std::vector<std::thread> streams;
  for (int s = 0; s < kStreams; ++s) {
    streams.emplace_back([&, s] {
      rpc::CallRequest request{"vigil.BuildLog", "bench-" + std::to_string(s)};
      auto outcome = rpc::CallService(fixture.address, request, client, inputs[s]);
      if (!outcome.ok() || outcome->exit_code != 0 ||
          outcome->output.find("receipt\n") == std::string::npos) {
        std::fprintf(stderr, "stream %d failed: %s\n", s,
                     outcome.ok() ? outcome->message.c_str() : outcome.error().message().c_str());
        ++failures;
      }
    });
  }
  for (auto& thread : streams) thread.join();
  const double ingest_seconds = SecondsSince(start);
  fixture.host->Stop();
  fixture.thread.join();
  fixture.sequencer->Stop();
  if (failures > 0) return Error::Failed("build streams failed");

  // Baseline: the same bytes straight to disk, 20 files, one fsync each.
  const auto disk_start = Clock::now();
  for (int s = 0; s < kStreams; ++s) {
    UniqueFd fd(::open((temp.path() / ("disk" + std::to_string(s))).c_str(),
                       O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    std::string_view data = inputs[s];
    while (!data.empty()) {
      ssize_t n = ::write(fd.get(), data.data(), data.size());
      if (n < 0) return Error::Failed("baseline write failed");
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    ::fdatasync(fd.get());
  }
  const double disk_seconds = SecondsSince(disk_start);
  const double mb = static_cast<double>(total) / 1e6;
  Report("log ingest, 20 build streams, mutual TLS", mb / ingest_seconds,
         "same bytes straight to disk", mb / disk_seconds, "MB/s", kIngestGoalMBs);
  return OkStatus();
}

}  // namespace
}  // namespace vigil

int main() {
  vigil::Status status = vigil::RunBench();
  if (!status.ok()) {
    std::fprintf(stderr, "ledger_bench: %s\n", status.error().message().c_str());
    return 1;
  }
  return 0;
}
