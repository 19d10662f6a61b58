#include "builder/builder_service.h"

#include <algorithm>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/concurrent_channel.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/file.h"
#include "base/hex.h"
#include "base/time.h"
#include "builder/build_answer.h"
#include "builder/build_cache.h"
#include "builder/build_steps.h"
#include "builder/close_and_prove.h"
#include "builder/sandbox.h"
#include "crypto/random.h"
#include "ledger/build_log_client.h"
#include "rpc/audit_log.h"

namespace vigil::builder {
namespace {

using Json = nlohmann::json;
using Lines = asio::experimental::concurrent_channel<void(asio::error_code, std::string)>;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::chrono::seconds kKeepalive{5};

// One build: the worker thread fetches, verifies and builds, handing each log line to the
// service's event loop, which streams it to the ledger and the caller.
struct Job {
  explicit Job(asio::any_io_executor executor) : lines(executor, 256) {}
  Lines lines;
  std::atomic<bool> abandoned{false};  // the event loop gave up (the ledger broke)
  // Written by the worker before it ends the stream, read by the event loop after.
  Status status = OkStatus();
  VerifiedSource source;
  std::vector<PublishedArtifact> artifacts;
  std::string cache_key, cache_key_text;     // cache = true only
  std::optional<PublishedBuild> cached;      // a cache hit: published again, not built
  std::optional<std::string> pinned_commit;  // the caller's `commit SHA40` line
};

// Hands a line to the event loop and waits until it took it (so a build never runs ahead
// of its log by more than the channel holds).
bool Send(Job& job, asio::error_code code, std::string line) {
  // A message of several lines (an error quoting a tool's output) goes as several: the log
  // and the answer are made of lines.
  if (const auto newline = line.find('\n'); newline != std::string::npos) {
    for (std::size_t start = 0; start <= line.size();) {
      const std::size_t end = std::min(line.find('\n', start), line.size());
      if (!Send(job, code, line.substr(start, end - start))) return false;
      start = end + 1;
    }
    return true;
  }
  auto taken = std::make_shared<std::promise<bool>>();
  std::future<bool> done = taken->get_future();
  job.lines.async_send(code, std::move(line),
                       [taken](asio::error_code error) { taken->set_value(!error); });
  while (done.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
    if (job.abandoned) return false;
  }
  return done.get();
}

// While the sandbox runs, asks the event loop every kKeepalive to send the ledger a `sync`:
// a build may be silent for longer than a call's idle timeout (a long compile), and its log
// must not be dropped for that.
class Keepalive {
 public:
  explicit Keepalive(Job& job) : job_(job), thread_([this] { Run(); }) {}
  ~Keepalive() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, kKeepalive, [this] { return stop_; })) {
      lock.unlock();
      // try_again marks a keepalive rather than a log line.
      const bool sent = Send(job_, asio::error::try_again, {});
      lock.lock();
      if (!sent) return;
    }
  }

  Job& job_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

std::string BuildId(const std::string& component) {
  const std::string stamp = FormatCompactUtc(std::chrono::system_clock::now());
  std::array<std::uint8_t, 4> random{};
  const bool drawn = crypto::RandomBytes(random).ok();
  return component + "-" + stamp + "-" + (drawn ? HexEncode(random) : "0000");
}

// Looks the build's inputs up in the builder's cache (cache = true). A hit's publication is
// checked and kept in the job; a miss keeps the key, to record what this build publishes.
Status LookUpCache(Job& job, const BuilderConfig& config, const ComponentConfig& component,
                   const Say& say) {
  VIGIL_ASSIGN_OR_RETURN(const CacheInputs inputs, CacheInputsFor(config, component, job.source));
  job.cache_key_text = CacheKeyText(inputs);
  job.cache_key = CacheKey(job.cache_key_text);
  say("cache: key " + job.cache_key + " (tree " + inputs.tree_id + ", SOURCE_DATE_EPOCH " +
      std::to_string(inputs.source_date_epoch) + ", " + std::to_string(inputs.inputs.size()) +
      " pinned input(s), tools " + inputs.tools_sha256 + ", packages " + inputs.packages_sha256 +
      ")");
  const BuildCache cache(config.work_dir / "cache");
  const std::optional<std::string> entry = cache.Find(job.cache_key);
  if (!entry) {
    say("cache: miss: building");
    return OkStatus();
  }
  auto cached = Publisher(config.repository).Reread(*entry);
  if (!cached.ok()) {
    say("cache: the cached build cannot be used (" + cached.error().message() + "): building");
    cache.Forget(job.cache_key);
    return OkStatus();
  }
  const Publication& earlier = cached->publication;
  say("cache: hit: build " + earlier.build_id + " (ledger entry " +
      std::to_string(earlier.ledger_index) + ", commit " + earlier.commit +
      ") had the same inputs; its signed artifacts are published again, nothing is built or "
      "signed");
  for (const PublishedArtifact& artifact : earlier.artifacts) {
    say(ArtifactLine(artifact));
  }
  job.artifacts = earlier.artifacts;
  job.cached = std::move(cached).value();
  return OkStatus();
}

// The worker's steps: fetch and verify the source, look it up in the cache, fetch the
// pinned inputs, run the sandbox, collect the artifacts.
Status BuildInSandbox(Job& job, SourceCache& sources, const BuilderConfig& config,
                      const ComponentConfig& component, const fs::path& dir) {
  const Say say = [&job](const std::string& line) { return Send(job, {}, line); };
  VIGIL_ASSIGN_OR_RETURN(job.source, FetchSource(sources, component.source, say));
  if (job.pinned_commit && job.source.commit != *job.pinned_commit) {
    return Error::Failed("source: the requested commit " + *job.pinned_commit +
                         " is not the commit the source rule approves (" + job.source.commit +
                         "); nothing was built");
  }
  if (component.cache) {
    VIGIL_RETURN_IF_ERROR(LookUpCache(job, config, component, say));
    if (job.cached) return OkStatus();
  }
  VIGIL_ASSIGN_OR_RETURN(auto inputs,
                         EnsureInputs(InputStore(config.work_dir / "inputs"), component, say));
  std::error_code ec;
  fs::create_directories(dir / "out", ec);
  if (ec) return Error::Failed("cannot create the output directory: " + ec.message());
  const SandboxSpec sandbox =
      SandboxFor(config, component, job.source, dir / "out", std::move(inputs));
  say(DescribeSandbox(sandbox));
  Status ran = OkStatus();
  {
    Keepalive keepalive(job);
    ran =
        RunSandboxed(SandboxCommand(sandbox), {component.build_timeout, config.max_log_lines}, say);
  }
  // An abandoned build fails for that reason, whatever the sandbox did.
  if (job.abandoned) return Error::Failed("abandoned");
  VIGIL_RETURN_IF_ERROR(ran);
  VIGIL_ASSIGN_OR_RETURN(job.artifacts, CollectArtifacts(dir / "out" / "dist", say));
  return OkStatus();
}

void RunBuild(std::shared_ptr<Job> job, std::shared_ptr<SourceCache> sources, BuilderConfig config,
              ComponentConfig component, fs::path dir) {
  job->status = BuildInSandbox(*job, *sources, config, component, dir);
  if (!job->status.ok()) Send(*job, {}, "build failed: " + job->status.error().message());
  Send(*job, asio::error::eof, {});
}

// The caller's input: nothing (build what the source rule approves) or exactly one line
// `commit SHA40` (build only if that is the approved commit), read to its end.
asio::awaitable<Result<std::optional<std::string>>> ReadPinnedCommit(rpc::Call& call) {
  constexpr std::size_t kMax = 64;
  std::string input;
  while (true) {
    auto chunk = co_await call.Read();
    if (!chunk.ok()) co_return chunk.error();
    if (!chunk->has_value()) break;
    input += **chunk;
    if (input.size() > kMax)
      co_return Error::BadInput("the build request's input is over 64 bytes");
  }
  if (input.empty()) co_return std::optional<std::string>();
  if (!input.empty() && input.back() == '\n') input.pop_back();
  const std::string_view prefix = "commit ";
  const std::string commit = input.rfind(prefix, 0) == 0 ? input.substr(prefix.size()) : "";
  const bool hex =
      commit.size() == 40 && commit.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!hex) co_return Error::BadInput("the build request's input must be one line: commit SHA40");
  co_return std::optional<std::string>(commit);
}

// The audit record of one build call, written once: when it fails or is published.
class BuildAudit {
 public:
  BuildAudit(rpc::AuditLog& log, const rpc::Call& call)
      : log_(log),
        record_{
            {"event", "build"}, {"caller", call.caller().name}, {"component", call.argument()}} {}

  void SetBuildId(const std::string& id) { record_["build_id"] = id; }
  Error Failed(Error error) {
    record_["decision"] = "failed";
    record_["reason"] = error.message();
    log_.Record(record_);
    return error;
  }
  void Published(std::uint64_t ledger_index, const fs::path& published) {
    record_["decision"] = "published";
    record_["ledger_index"] = ledger_index;
    record_["published"] = published.string();
    log_.Record(record_);
  }

 private:
  rpc::AuditLog& log_;
  Json record_;
};

// Removes a build's work directory when the build is over, however it ended.
struct WorkDir {
  explicit WorkDir(fs::path where) : path(std::move(where)) {
    std::error_code ec;
    fs::create_directories(path, ec);
  }
  ~WorkDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  fs::path path;
};

// Streams the worker's lines to the ledger's log and to the caller until the worker is
// done. Returns why the ledger's log broke, or nothing; once it broke the worker is told
// to give up, and the caller still sees what the worker reports.
asio::awaitable<std::optional<std::string>> StreamLog(Job& job, ledger::BuildLogClient& log,
                                                      rpc::Call& call) {
  std::optional<std::string> broke;
  while (true) {
    auto [error, line] = co_await job.lines.async_receive(kNoThrow);
    if (error && error != asio::error::try_again) break;
    if (!broke) {
      // try_again marks a keepalive rather than a log line.
      Status written = OkStatus();
      if (error == asio::error::try_again) {
        written = co_await log.Sync();
      } else {
        written = co_await log.Log(line);
      }
      if (!written.ok()) {
        broke = written.error().message();
        job.abandoned = true;
      }
    }
    if (error == asio::error::try_again) continue;
    const std::string shown = FormatBuildLog(line);
    (void)co_await call.Write(shown);  // the build goes on without its watcher
  }
  co_return broke;
}

// Has the signer sign the build's provenance (vigil.Sign+KEY).
asio::awaitable<Result<SignedProvenance>> Sign(rpc::Peer& signer, const std::string& key,
                                               const ProvenLog& log, const Job& job,
                                               const std::string& id) {
  auto executor = co_await asio::this_coro::executor;
  const rpc::CallRequest sign_call{"vigil.Sign", key};
  const std::string sign_body = SignRequestFor(log, job.artifacts);
  auto outcome = co_await signer.CallAsync(executor, sign_call, sign_body);
  if (!outcome.ok() || outcome->exit_code != 0) {
    const std::string why = outcome.ok() ? outcome->message : outcome.error().message();
    co_return Error::Failed("the signer did not sign build " + id + " (" + why +
                            "); nothing was published");
  }
  co_return CheckSignerAnswer(std::move(outcome->output), id);
}

// Tells the gateway a build was published (vigil.Publish+COMPONENT), so that the testing
// channel's TUF metadata lists it; the build stands either way. The log line to answer.
asio::awaitable<std::string> TellGateway(const rpc::Peer& gateway, const std::string& component,
                                         const std::string& id, const std::string& commit) {
  auto executor = co_await asio::this_coro::executor;
  const rpc::CallRequest request{"vigil.Publish", component};
  const std::string input = "build " + id + "\ncommit " + commit + "\n";
  auto outcome = co_await gateway.CallAsync(executor, request, input, 4096);
  if (!outcome.ok()) {
    co_return FormatBuildLog("gateway: not told (" + outcome.error().message() + ")");
  }
  if (outcome->exit_code != 0) {
    co_return FormatBuildLog("gateway: refused (" + outcome->message + ")");
  }
  std::string answer = outcome->output;
  while (!answer.empty() && answer.back() == '\n') answer.pop_back();
  co_return FormatBuildLog("gateway: " + answer);
}

// A cache hit's answer once its log is closed and proven: the cached build published again.
asio::awaitable<Status> AnswerCached(Publisher& publisher, rpc::Call& call, BuildAudit& audit,
                                     const Job& job, const std::string& id,
                                     const ProvenLog& proven) {
  const PublishedBuild& cached = *job.cached;
  Status republished = publisher.Republish(cached);
  if (!republished.ok()) {
    co_return audit.Failed(republished.error().WithContext("publishing build " + id + " again"));
  }
  audit.Published(proven.index, cached.dir);
  BuildResult result = ResultFor(cached.publication, cached.dir);
  result.build_id = id;  // this build's log entry; the provenance stays the cached build's
  result.ledger_index = proven.index;
  co_return co_await call.Write(FormatBuildResult(result));
}

}  // namespace

BuilderService::BuilderService(fs::path config_path, BuilderConfig config, rpc::Peer ledger,
                               tlog::NoteVerifier ledger_verifier, rpc::Peer signer,
                               rpc::AuditLog& audit, std::optional<rpc::Peer> gateway)
    : config_path_(std::move(config_path)),
      config_(std::move(config)),
      ledger_(std::move(ledger)),
      ledger_receipts_(std::move(ledger_verifier)),
      signer_(std::move(signer)),
      gateway_(std::move(gateway)),
      audit_(audit),
      publisher_(config_.repository),
      sources_(std::make_shared<SourceCache>(config_.work_dir / "sources")) {
  if (config_.witness_policy) ledger_receipts_.RequireWitnesses(*config_.witness_policy);
}

void BuilderService::RegisterWith(rpc::ServiceHost& host) {
  host.Register("vigil.TriggerBuild", [this](rpc::Call& call) { return TriggerBuild(call); });
}

Result<std::pair<BuilderConfig, ComponentConfig>> BuilderService::LoadComponent(
    const std::string& name) const {
  // Components are re-read for every build: an edit takes effect without a restart, and a
  // mistake is reported to the one who asked.
  auto loaded = LoadBuilderConfig(config_path_, config_.tools);
  if (!loaded.ok()) return loaded.error().WithContext("the builder's configuration is invalid");
  auto found = loaded->components.find(name);
  if (found == loaded->components.end()) {
    std::string known;
    for (const auto& [known_name, component] : loaded->components) known += " " + known_name;
    return Error::BadInput(
        "unknown component '" + name + "'; the builder knows:" + (known.empty() ? " none" : known) +
        " (components are [components.NAME] tables in " + config_path_.string() + ")");
  }
  ComponentConfig component = found->second;
  return std::pair{std::move(loaded).value(), std::move(component)};
}

asio::awaitable<Status> BuilderService::TriggerBuild(rpc::Call& call) {
  BuildAudit audit(audit_, call);
  auto pinned = co_await ReadPinnedCommit(call);
  if (!pinned.ok()) co_return audit.Failed(pinned.error());
  auto loaded = LoadComponent(call.argument());
  if (!loaded.ok()) co_return audit.Failed(loaded.error());
  const BuilderConfig& config = loaded->first;
  const ComponentConfig& component = loaded->second;
  const std::string id = BuildId(component.name);
  audit.SetBuildId(id);
  const std::string started = FormatBuildStarted(id);
  (void)co_await call.Write(started);

  // Step: open the log.
  auto executor = co_await asio::this_coro::executor;
  auto log = co_await ledger::BuildLogClient::Open(executor, ledger_, id);
  if (!log.ok()) {
    co_return audit.Failed(
        log.error().WithContext("cannot open the build log at the ledger; nothing was built"));
  }
  // Steps on the worker: fetch and verify the source, run the sandbox, collect artifacts.
  const WorkDir dir(config_.work_dir / id);
  auto job = std::make_shared<Job>(executor);
  job->pinned_commit = *pinned;
  std::thread(RunBuild, job, sources_, config, component, dir.path).detach();
  auto broke = co_await StreamLog(*job, **log, call);
  if (broke) {
    co_await (*log)->Abandon();
    // Exit 3: the build did not fail, its ledger did (a sequencer failing over); the gateway
    // starts it again, under a new id.
    co_return audit.Failed(Error::MissingEnv("the ledger connection broke during the build (" +
                                             *broke + "); nothing was signed or published"));
  }
  // Steps: declare the artifacts, close and prove.
  auto proven = co_await CloseAndProve(**log, job->status, job->artifacts, id, ledger_receipts_);
  if (!proven.ok()) co_return audit.Failed(proven.error());
  const std::string proof_line =
      FormatBuildLog("ledger: build-log entry " + std::to_string(proven->index) +
                     " (receipt verified against the checkpoint of size " +
                     std::to_string(proven->checkpoint_size) + ")");
  (void)co_await call.Write(proof_line);
  if (job->cached) co_return co_await AnswerCached(publisher_, call, audit, *job, id, *proven);
  // Step: sign.
  auto provenance = co_await Sign(signer_, component.key, *proven, *job, id);
  if (!provenance.ok()) co_return audit.Failed(provenance.error());
  // Step: publish.
  const Publication publication =
      PublicationFor(id, component, job->source, *proven, *provenance, job->artifacts);
  auto published = publisher_.Publish(publication, dir.path / "out" / "dist");
  if (!published.ok())
    co_return audit.Failed(published.error().WithContext("publishing build " + id));
  audit.Published(publication.ledger_index, published->dir);
  // A failure to remember it only costs the next build its hit.
  if (component.cache)
    (void)BuildCache(config.work_dir / "cache")
        .Store(job->cache_key, job->cache_key_text, published->entry);
  if (gateway_) {
    const std::string told =
        co_await TellGateway(*gateway_, component.name, id, publication.commit);
    (void)co_await call.Write(told);
  }
  const std::string answer = FormatBuildResult(ResultFor(publication, published->dir));
  co_return co_await call.Write(answer);  // the work directory goes after the answer
}

}  // namespace vigil::builder
