#include "builder/builder_service.h"

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
#include "builder/ledger_answer.h"
#include "builder/sandbox.h"
#include "crypto/file_hash.h"
#include "crypto/random.h"
#include "encoding/build_log_limits.h"
#include "provenance/build_record.h"
#include "provenance/dsse.h"
#include "provenance/sign_request.h"
#include "tlog/receipt.h"

namespace vigil::builder {
namespace {

using Json = nlohmann::json;
using Lines = asio::experimental::concurrent_channel<void(asio::error_code, std::string)>;
constexpr auto kNoThrow = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kMaxArtifactSize = 4ull << 30;
constexpr std::size_t kMaxArtifacts = encoding::kMaxBuildArtifacts;
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
};

// Hands a line to the event loop and waits until it took it (so a build never runs ahead
// of its log by more than the channel holds).
bool Send(Job& job, asio::error_code code, std::string line) {
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

void RunBuild(std::shared_ptr<Job> job, std::shared_ptr<SourceCache> sources, BuilderConfig config,
              ComponentConfig component, fs::path dir) {
  auto say = [&](const std::string& line) { return Send(*job, {}, line); };
  auto finish = [&](Status status) {
    job->status = std::move(status);
    if (!job->status.ok()) say("build failed: " + job->status.error().message());
    Send(*job, asio::error::eof, {});
  };
  const SourcePolicy& policy = component.source;
  say("source: fetching " + policy.repository + " (branch " + policy.branch + ")");
  auto source = sources->Fetch(policy);
  if (!source.ok()) return finish(source.error().WithContext("source refused"));
  job->source = *source;
  if (!policy.pinned_commit.empty()) {
    say("source: commit " + source->commit + " (pinned in the builder's configuration)");
  }
  for (const TagSigner& signer : source->signers) {
    say("source: commit " + source->commit + " tag " + signer.tag + " signed by " +
        signer.fingerprint + " (" + signer.uid + ")");
  }
  for (const std::string& reason : source->refused) say("source: not counted: " + reason);

  std::error_code ec;
  fs::create_directories(dir / "out", ec);
  if (ec) return finish(Error::Failed("cannot create the output directory: " + ec.message()));
  SandboxSpec sandbox;
  sandbox.source_dir = source->tree;
  sandbox.tools_dir = config.tools;
  sandbox.out_dir = dir / "out";
  sandbox.source_date_epoch = source->commit_time;
  sandbox.max_file_size = config.max_file_bytes;
  sandbox.argv = component.command;
  if (sandbox.argv.empty()) {
    sandbox.argv = {"vigil", "image", "build", component.spec, "--out", "/out/dist"};
  }
  std::string argv_text;
  for (const std::string& arg : sandbox.argv) argv_text += " " + arg;
  say("build:" + argv_text + " (sandboxed: no network, read-only source, SOURCE_DATE_EPOCH=" +
      std::to_string(source->commit_time) + ")");

  std::string pending;
  std::uint64_t lines = 0;
  bool too_much = false;
  auto keepalive = std::make_unique<Keepalive>(*job);
  auto exit =
      RunStreaming(SandboxCommand(sandbox), config.build_timeout, [&](std::string_view chunk) {
        pending.append(chunk);
        std::size_t newline;
        while ((newline = pending.find('\n')) != std::string::npos) {
          if (++lines > config.max_log_lines) {
            too_much = true;
            return false;
          }
          if (!say(pending.substr(0, newline))) return false;
          pending.erase(0, newline + 1);
        }
        return true;
      });
  keepalive.reset();
  if (!pending.empty() && !too_much) say(pending);
  if (!exit.ok()) return finish(exit.error().WithContext("cannot start the sandbox (bwrap)"));
  if (job->abandoned) return finish(Error::Failed("abandoned"));
  if (too_much) {
    return finish(Error::Failed("the build wrote more than " +
                                std::to_string(config.max_log_lines) + " log lines (limit)"));
  }
  if (exit->timed_out) {
    return finish(Error::Failed("the build exceeded its time limit of " +
                                std::to_string(config.build_timeout.count()) + " s"));
  }
  if (exit->signal != 0) {
    return finish(Error::Failed("the build was killed by signal " + std::to_string(exit->signal)));
  }
  if (exit->code != 0) {
    return finish(Error::Failed("the build exited with status " + std::to_string(exit->code)));
  }

  const fs::path dist = dir / "out" / "dist";
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dist, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file() && !it->is_symlink()) files.push_back(it->path());
  }
  if (ec || files.empty() || files.size() > kMaxArtifacts) {
    return finish(Error::Failed("the build produced no artifacts in /out/dist"));
  }
  std::sort(files.begin(), files.end());
  // Hashed here, outside the sandbox (the build's own SHA256SUMS is not trusted), in
  // parallel: images are large.
  std::vector<std::future<Result<std::string>>> hashes;
  for (const fs::path& file : files) {
    hashes.push_back(std::async(std::launch::async,
                                [file] { return crypto::Sha256OfFile(file, kMaxArtifactSize); }));
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto sha256 = hashes[i].get();
    if (!sha256.ok()) return finish(sha256.error());
    job->artifacts.push_back({files[i].filename().string(), *sha256});
    say("artifact: " + files[i].filename().string() + " sha256 " + *sha256);
  }
  finish(OkStatus());
}

}  // namespace

BuilderService::BuilderService(fs::path config_path, BuilderConfig config, rpc::Peer ledger,
                               tlog::NoteVerifier ledger_verifier, rpc::Peer signer,
                               rpc::AuditLog& audit)
    : config_path_(std::move(config_path)),
      config_(std::move(config)),
      ledger_(std::move(ledger)),
      ledger_verifier_(std::move(ledger_verifier)),
      signer_(std::move(signer)),
      audit_(audit),
      publisher_(config_.repository),
      sources_(std::make_shared<SourceCache>(config_.work_dir / "sources")) {}

void BuilderService::RegisterWith(rpc::ServiceHost& host) {
  host.Register("vigil.TriggerBuild", [this](rpc::Call& call) { return TriggerBuild(call); });
}

asio::awaitable<Status> BuilderService::TriggerBuild(rpc::Call& call) {
  Json audit{{"event", "build"}, {"caller", call.caller().name}, {"component", call.argument()}};
  auto fail = [&](Error error) -> Status {
    audit["decision"] = "failed";
    audit["reason"] = error.message();
    audit_.Record(audit);
    return error;
  };
  // Components are re-read for every build: an edit takes effect without a restart, and a
  // mistake is reported to the one who asked.
  auto loaded = LoadBuilderConfig(config_path_, config_.tools);
  if (!loaded.ok()) {
    co_return fail(loaded.error().WithContext("the builder's configuration is invalid"));
  }
  auto found = loaded->components.find(call.argument());
  if (found == loaded->components.end()) {
    std::string known;
    for (const auto& [name, component] : loaded->components) known += " " + name;
    co_return fail(Error::BadInput("unknown component '" + call.argument() +
                                   "'; the builder knows:" + (known.empty() ? " none" : known) +
                                   " (components are [components.NAME] tables in " +
                                   config_path_.string() + ")"));
  }
  const ComponentConfig component = found->second;
  const std::string id = BuildId(component.name);
  audit["build_id"] = id;
  (void)co_await call.Write("build " + id + "\n");

  auto executor = co_await asio::this_coro::executor;
  const rpc::CallRequest log_request{"vigil.BuildLog", id};
  auto opened = co_await rpc::ClientCall::Open(executor, ledger_.address, log_request, ledger_.tls,
                                               ledger_.options);
  if (!opened.ok()) {
    co_return fail(
        opened.error().WithContext("cannot open the build log at the ledger; nothing "
                                   "was built"));
  }
  std::shared_ptr<rpc::ClientCall> ledger = std::move(opened).value();

  const fs::path dir = config_.work_dir / id;
  std::error_code ec;
  fs::create_directories(dir, ec);
  auto job = std::make_shared<Job>(executor);
  std::thread(RunBuild, job, sources_, *loaded, component, dir).detach();

  std::string ledger_failure;
  while (true) {
    auto [error, line] = co_await job->lines.async_receive(kNoThrow);
    if (error == asio::error::try_again) {
      if (ledger_failure.empty()) {
        Status synced = co_await ledger->Write("sync\n");
        if (!synced.ok()) {
          ledger_failure = synced.error().message();
          job->abandoned = true;
        }
      }
      continue;
    }
    if (error) break;
    if (ledger_failure.empty()) {
      Status written = co_await ledger->Write("log " + line + "\n");
      if (!written.ok()) {
        ledger_failure = written.error().message();
        job->abandoned = true;
      }
    }
    (void)co_await call.Write("log " + line + "\n");  // the build goes on without its watcher
  }
  auto cleanup = [&] { fs::remove_all(dir, ec); };
  if (!ledger_failure.empty()) {
    co_await ledger->Close();
    cleanup();
    co_return fail(Error::Failed("the ledger connection broke during the build (" + ledger_failure +
                                 "); nothing was signed or published"));
  }
  const bool built = job->status.ok();
  if (built) {
    for (const PublishedArtifact& artifact : job->artifacts) {
      Status declared =
          co_await ledger->Write("artifact " + artifact.sha256 + " " + artifact.name + "\n");
      if (!declared.ok()) ledger_failure = declared.error().message();
    }
  }
  // A failed build is logged too: closed, with no artifacts to sign.
  Status closed = co_await ledger->Write("close\n");
  if (closed.ok()) closed = co_await ledger->CloseWrite();
  std::string answer;
  int ledger_exit = -1;
  std::string ledger_message;
  while (closed.ok()) {
    auto event = co_await ledger->Read();
    if (!event.ok()) {
      ledger_message = event.error().message();
      break;
    }
    if (event->kind == rpc::CallEvent::Kind::kData && answer.size() < tlog::kMaxReceiptSize) {
      answer += event->data;
    }
    if (event->kind == rpc::CallEvent::Kind::kExit) {
      ledger_exit = event->exit_code;
      ledger_message = event->message;
      break;
    }
  }
  co_await ledger->Close();
  if (!built) {
    cleanup();
    co_return fail(job->status.error().WithContext("build " + id +
                                                   " failed; nothing was signed "
                                                   "or published"));
  }
  if (!closed.ok() || !ledger_failure.empty() || ledger_exit != 0) {
    cleanup();
    co_return fail(
        Error::Failed("the ledger did not close the log of build " + id + " (" +
                      (closed.ok() ? ledger_failure + ledger_message : closed.error().message()) +
                      "); nothing was signed or published"));
  }
  auto receipt_text = ReceiptOfAnswer(answer);
  Result<tlog::Checkpoint> proven = Error::Failed("no receipt");
  Result<tlog::Receipt> receipt = Error::Failed("no receipt");
  if (receipt_text.ok()) receipt = tlog::ParseReceipt(*receipt_text);
  if (receipt.ok())
    proven = tlog::VerifyReceipt(*receipt, ledger_verifier_, ledger_verifier_.name());
  if (!proven.ok()) {
    cleanup();
    co_return fail(proven.error().WithContext("the ledger's receipt for build " + id +
                                              " does not verify; nothing was signed or published"));
  }
  auto entry = provenance::ParseBuildLogEntry(*receipt->extra);
  if (!entry.ok() || entry->build_id != id || entry->status != "closed") {
    cleanup();
    co_return fail(Error::Failed("the ledger's receipt is not for build " + id));
  }
  (void)co_await call.Write("log ledger: build-log entry " + std::to_string(receipt->index) +
                            " (receipt verified against the checkpoint of size " +
                            std::to_string(proven->size) + ")\n");

  provenance::SignRequest sign_request{*receipt_text, {}};
  for (const PublishedArtifact& artifact : job->artifacts) {
    sign_request.digests.push_back(artifact.sha256);
  }
  const rpc::CallRequest sign_call{"vigil.Sign", component.key};
  const std::string sign_body = provenance::FormatSignRequest(sign_request);
  auto signed_outcome = co_await rpc::CallServiceAsync(executor, signer_.address, sign_call,
                                                       signer_.tls, signer_.options, sign_body);
  if (!signed_outcome.ok() || signed_outcome->exit_code != 0) {
    cleanup();
    const std::string why =
        signed_outcome.ok() ? signed_outcome->message : signed_outcome.error().message();
    co_return fail(Error::Failed("the signer did not sign build " + id + " (" + why +
                                 "); nothing was published"));
  }
  std::string envelope = signed_outcome->output;
  while (!envelope.empty() && envelope.back() == '\n') envelope.pop_back();
  // The signer's answer is published only if it is a well-formed envelope.
  auto parsed_envelope = provenance::ParseEnvelope(envelope);
  if (!parsed_envelope.ok()) {
    cleanup();
    co_return fail(Error::Failed("the signer's answer for build " + id +
                                 " is not a DSSE envelope (" + parsed_envelope.error().message() +
                                 "); nothing was published"));
  }
  const std::string key_id = parsed_envelope->signatures.front().keyid;

  Publication publication;
  publication.component = component.name;
  publication.version = job->source.version;
  publication.commit = job->source.commit;
  publication.build_id = id;
  publication.ledger_index = receipt->index;
  for (const TagSigner& signer : job->source.signers) {
    publication.signers.push_back(signer.fingerprint);
  }
  publication.key_id = key_id;
  publication.artifacts = job->artifacts;
  publication.envelope = envelope + "\n";
  publication.receipt = *receipt_text;
  auto published = publisher_.Publish(publication, dir / "out" / "dist");
  if (!published.ok()) {
    cleanup();
    co_return fail(published.error().WithContext("publishing build " + id));
  }

  Json result{{"build_id", id},
              {"component", component.name},
              {"version", publication.version},
              {"commit", publication.commit},
              {"ledger_index", receipt->index},
              {"published", published->string()},
              {"key_id", key_id}};
  audit["decision"] = "published";
  audit["ledger_index"] = receipt->index;
  audit["published"] = published->string();
  audit_.Record(audit);
  Status answered = co_await call.Write("result " + result.dump() + "\n");
  cleanup();  // after the answer: the caller need not wait for it
  co_return answered;
}

}  // namespace vigil::builder
