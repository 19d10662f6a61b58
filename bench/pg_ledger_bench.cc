// The ledger on PostgreSQL (issue 21): durable appends per second through the Sequencer
// into the PostgreSQL-backed log, each figure against `pgbench -c 8` inserting the same rows
// (index, leaf hash, label, entry bytes) in transactions of the ledger's own average batch
// size in that phase, on the same private PostgreSQL 15 cluster with the same commit
// settings (fsync on, synchronous_commit on). Two phases: 8 appenders that queue as fast as
// the Sequencer takes entries (as ledger_bench's file-log figure), and 8 that each wait for
// their entry to be durable (build streams). The one sequencer commits one transaction at a
// time, so in the second phase it is bound by one WAL flush per batch, where pgbench's 8
// clients share flushes (PostgreSQL's own group commit).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/file.h"
#include "base/strict_number.h"
#include "base/subprocess.h"
#include "pg/lease.h"
#include "pg/log_storage.h"
#include "pg/test_cluster.h"
#include "sample_entry.h"
#include "tlog/sequencer.h"

namespace vigil {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kAppenders = 8;
constexpr int kAppendsPerAppender = 80'000;
constexpr const char* kPgBin = "/usr/lib/postgresql/15/bin";

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

using bench::SampleEntry;

// The storage, counting the batches (transactions) the Sequencer commits.
class CountingStorage : public tlog::TileStorage {
 public:
  explicit CountingStorage(std::unique_ptr<tlog::TileStorage> inner) : inner_(std::move(inner)) {}
  Error Damaged(const std::string& f, const std::string& w) const override {
    return inner_->Damaged(f, w);
  }
  Result<std::vector<tlog::Hash>> ReadFullTile(int l, std::uint64_t i) const override {
    return inner_->ReadFullTile(l, i);
  }
  Result<std::vector<tlog::Hash>> ReadPartialTile(int l, std::uint64_t i, int w) const override {
    return inner_->ReadPartialTile(l, i, w);
  }
  Result<std::vector<Bytes>> ReadBundle(std::uint64_t i, int w) const override {
    return inner_->ReadBundle(i, w);
  }
  Result<Bytes> ReadServed(std::string_view p, std::uint64_t s) const override {
    return inner_->ReadServed(p, s);
  }
  Result<std::string> ReadCheckpoint() const override { return inner_->ReadCheckpoint(); }
  Status Commit(std::uint64_t o, std::uint64_t n, const std::map<std::string, Bytes>& f,
                std::span<const tlog::IndexedEntry> r, const std::string& c) override {
    ++commits;
    return inner_->Commit(o, n, f, r, c);
  }
  Status ReplaceCheckpoint(std::uint64_t s, const std::string& n) override {
    return inner_->ReplaceCheckpoint(s, n);
  }
  bool CommitsIndex() const override { return inner_->CommitsIndex(); }
  void RemovePartials(std::span<const std::string> p) const override { inner_->RemovePartials(p); }
  Status RemoveBeyond(std::uint64_t s) const override { return inner_->RemoveBeyond(s); }

  std::atomic<std::uint64_t> commits{0};

 private:
  std::unique_ptr<tlog::TileStorage> inner_;
};

// 8 appenders, each queueing its entries as fast as the Sequencer takes them (as
// ledger_bench does for the file log); appends per second once every one is durable.
double MeasureAppends(tlog::Sequencer& sequencer) {
  std::atomic<int> remaining{kAppenders * kAppendsPerAppender};
  std::atomic<int> failed{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int a = 0; a < kAppenders; ++a) {
    threads.emplace_back([&, a] {
      for (int i = 0; i < kAppendsPerAppender; ++i) {
        Status added = sequencer.Add(SampleEntry(a, i), [&](Result<std::uint64_t> r) {
          if (!r.ok()) ++failed;
          --remaining;
        });
        if (!added.ok()) {
          std::fprintf(stderr, "append refused: %s\n", added.error().message().c_str());
          std::abort();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  while (remaining.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (failed.load() > 0) {
    std::fprintf(stderr, "%d appends failed\n", failed.load());
    std::exit(1);
  }
  return kAppenders * kAppendsPerAppender / SecondsSince(start);
}

// 8 appenders that each wait for their entry to be durable before sending the next (as
// build streams do), for about `seconds`.
double MeasureWaitingAppends(tlog::Sequencer& sequencer, double seconds) {
  std::atomic<std::uint64_t> done{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int a = 0; a < kAppenders; ++a) {
    threads.emplace_back([&, a] {
      for (int i = 0; SecondsSince(start) < seconds; ++i) {
        auto index = sequencer.Append(SampleEntry(100 + a, i));
        if (!index.ok()) {
          std::fprintf(stderr, "append failed: %s\n", index.error().message().c_str());
          std::exit(1);
        }
        ++done;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return static_cast<double>(done.load()) / SecondsSince(start);
}

// pgbench's script: one transaction inserting `batch` rows like the ledger's index rows
// plus the entry bytes its bundles hold.
Status WritePgbenchScript(const fs::path& file) {
  const std::string script =
      "INSERT INTO bench_entries (idx, leaf_hash, kind, key, entry)"
      " SELECT nextval('bench_idx'), sha256(convert_to(g::text || random()::text, 'UTF8')),"
      " 'build-log', 'bench-' || g, convert_to(repeat('x', " +
      std::to_string(SampleEntry(0, 0).size()) +
      "), 'UTF8')"
      " FROM generate_series(1, :batch) g;\n";
  return WriteFileAtomic(file, AsBytes(script));
}

// pgbench's table: the ledger's index row and the entry's bytes, the index's indexes.
Status CreatePgbenchTable(pg::TestCluster& cluster, const fs::path& work) {
  VIGIL_RETURN_IF_ERROR(WritePgbenchScript(work / "insert.sql"));
  VIGIL_ASSIGN_OR_RETURN(
      RunOutput setup,
      Run({.argv = {std::string(kPgBin) + "/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d",
                    cluster.Url(), "-c",
                    "CREATE TABLE bench_entries (idx bigint PRIMARY KEY, leaf_hash bytea NOT NULL,"
                    " kind text, key text, entry bytea NOT NULL);"
                    " CREATE INDEX ON bench_entries (leaf_hash);"
                    " CREATE INDEX ON bench_entries (kind, key); CREATE SEQUENCE bench_idx"},
           .capture_stderr = true}));
  if (!setup.exit.ok()) return Error::Failed("pgbench's table: " + setup.output);
  return OkStatus();
}

// A CHECKPOINT before each measurement, so that neither pays for the other's dirty pages.
Status Checkpoint(pg::TestCluster& cluster) {
  VIGIL_ASSIGN_OR_RETURN(RunOutput out, Run({.argv = {std::string(kPgBin) + "/psql", "-X", "-q",
                                                      "-d", cluster.Url(), "-c", "CHECKPOINT"},
                                             .capture_stderr = true}));
  if (!out.exit.ok()) return Error::Failed("CHECKPOINT: " + out.output);
  return OkStatus();
}

// Rows per second that `pgbench -c 8` inserts in transactions of `batch` rows.
Result<double> PgbenchRowsPerSecond(pg::TestCluster& cluster, std::uint64_t batch,
                                    const fs::path& work) {
  const std::string host = cluster.dir().string();
  VIGIL_ASSIGN_OR_RETURN(
      RunOutput out,
      Run({.argv = {std::string(kPgBin) + "/pgbench", "-n", "-c", "8", "-j", "2", "-T", "5", "-D",
                    "batch=" + std::to_string(batch), "-f", (work / "insert.sql").string(), "-h",
                    host, "-p", "5432", "-U", "postgres", "postgres"},
           .capture_stderr = true}));
  const std::size_t at = out.output.find("tps = ");
  if (!out.exit.ok() || at == std::string::npos) return Error::Failed("pgbench: " + out.output);
  // "tps = 6.123456 (without initial connection time)"
  const std::string tps = out.output.substr(at + 6, out.output.find(' ', at + 6) - at - 6);
  const std::size_t dot = tps.find('.');
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t whole, ParseUnsigned(tps.substr(0, dot), "pgbench's tps"));
  double fraction = 0;
  if (dot != std::string::npos && dot + 1 < tps.size() && tps.size() - dot - 1 <= 9) {
    VIGIL_ASSIGN_OR_RETURN(std::uint64_t digits,
                           ParseUnsigned(tps.substr(dot + 1), "pgbench's tps"));
    fraction =
        static_cast<double>(digits) / std::pow(10.0, static_cast<double>(tps.size() - dot - 1));
  }
  return (static_cast<double>(whole) + fraction) * static_cast<double>(batch);
}

}  // namespace

Status RunBench() {
  VIGIL_ASSIGN_OR_RETURN(auto cluster, pg::TestCluster::Start());
  VIGIL_ASSIGN_OR_RETURN(TempDir temp, TempDir::Create(fs::temp_directory_path(), "pg-bench."));
  VIGIL_ASSIGN_OR_RETURN(std::string url, cluster->CreateDatabase("ledger"));
  const pg::SessionSettings session{.url = url};
  VIGIL_RETURN_IF_ERROR(pg::InitLog(session, temp.path() / "key", "bench.vigil/pg"));
  VIGIL_ASSIGN_OR_RETURN(auto lease_connection, pg::Connection::Open(session));
  VIGIL_ASSIGN_OR_RETURN(pg::Lease lease,
                         pg::AcquireLease(*lease_connection, "bench", std::chrono::minutes(10)));
  VIGIL_ASSIGN_OR_RETURN(tlog::LogStore::Backend backend,
                         pg::OpenLogBackend(session, temp.path() / "key", lease.epoch));
  auto counting = std::make_unique<CountingStorage>(std::move(backend.tiles));
  CountingStorage* counter = counting.get();
  backend.tiles = std::move(counting);
  VIGIL_ASSIGN_OR_RETURN(auto store, tlog::LogStore::OpenBackend(std::move(backend)));
  VIGIL_RETURN_IF_ERROR(CreatePgbenchTable(*cluster, temp.path()));
  tlog::Sequencer sequencer(*store);
  const auto phase = [&](const char* label, const std::function<double()>& measure) -> Status {
    const std::uint64_t size_before = store->size();
    const std::uint64_t commits_before = counter->commits.load();
    VIGIL_RETURN_IF_ERROR(Checkpoint(*cluster));
    const double ours = measure();
    const std::uint64_t batches = counter->commits.load() - commits_before;
    const std::uint64_t entries = store->size() - size_before;
    const std::uint64_t batch =
        std::max<std::uint64_t>(1, entries / std::max<std::uint64_t>(1, batches));
    VIGIL_RETURN_IF_ERROR(Checkpoint(*cluster));
    VIGIL_ASSIGN_OR_RETURN(double baseline, PgbenchRowsPerSecond(*cluster, batch, temp.path()));
    std::printf("%-44s %10.1f /s  %-30s %10.1f /s  ratio %5.2f  goal >= 1x: %s\n", label, ours,
                ("pgbench -c 8, " + std::to_string(batch) + " rows/txn").c_str(), baseline,
                ours / baseline, ours >= baseline ? "met" : "NOT MET");
    std::printf("%-44s %llu entries in %llu transactions\n", "",
                static_cast<unsigned long long>(entries), static_cast<unsigned long long>(batches));
    return OkStatus();
  };
  VIGIL_RETURN_IF_ERROR(
      phase("PG appends/s, 8 queueing appenders", [&] { return MeasureAppends(sequencer); }));
  VIGIL_RETURN_IF_ERROR(phase("PG appends/s, 8 appenders each waiting",
                              [&] { return MeasureWaitingAppends(sequencer, 5.0); }));
  std::printf("%-44s %lld ms (initdb and start, once)\n", "private PostgreSQL 15 cluster",
              static_cast<long long>(cluster->startup_time().count()));
  return OkStatus();
}

}  // namespace vigil

int main() {
  vigil::Status status = vigil::RunBench();
  if (!status.ok()) {
    std::fprintf(stderr, "pg_ledger_bench: %s\n", status.error().message().c_str());
    return 1;
  }
  return 0;
}
