#include "ledger/ledger_service.h"

#include <algorithm>
#include <asio/async_result.hpp>
#include <asio/execution.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/line_splitter.h"
#include "crypto/file_hash.h"
#include "ledger/build_entry.h"
#include "ledger/build_log_protocol.h"

namespace vigil::ledger {
namespace {

constexpr std::size_t kMaxRecordSize = 64 * 1024;
constexpr std::uint64_t kMaxLogSize = 16ull << 30;

// Appends through the sequencer without blocking the host's thread: the coroutine resumes
// on its own executor once the entry is durable and checkpointed.
asio::awaitable<Result<std::uint64_t>> AppendEntry(tlog::Sequencer& sequencer, Bytes entry) {
  auto executor = co_await asio::this_coro::executor;
  auto initiate = [&sequencer, executor](auto handler, Bytes bytes) {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    auto work = asio::prefer(executor, asio::execution::outstanding_work.tracked);
    auto resume = [shared, work](Result<std::uint64_t> result) {
      asio::post(work,
                 [shared, result = std::move(result)]() mutable { (*shared)(std::move(result)); });
    };
    Status added = sequencer.Add(std::move(bytes), resume);
    if (!added.ok()) {
      resume(added.error());
    }
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable),
                                          void(Result<std::uint64_t>)>(
      initiate, asio::use_awaitable, std::move(entry));
}

// What a BuildLog stream has declared so far.
struct Stream {
  std::string id;
  std::uint64_t lines = 0;
  std::uint64_t acked = 0;
  std::vector<Artifact> artifacts;
  std::vector<std::string_view> batch;  // log lines of the current chunk, written together
  bool closed = false;
  std::optional<Error> error;  // a protocol error ends the stream as truncated
};

Status FlushLines(BuildLogs& logs, Stream& stream) {
  if (stream.batch.empty()) return OkStatus();
  auto lines = logs.AppendLines(stream.id, stream.batch);
  stream.batch.clear();
  VIGIL_RETURN_IF_ERROR(lines.status());
  stream.lines = *lines;
  return OkStatus();
}

Status Declare(Stream& stream, Artifact artifact) {
  if (stream.closed) return Error::BadInput("artifact after close");
  for (const Artifact& known : stream.artifacts) {
    if (known.name == artifact.name) {
      return Error::BadInput("artifact " + artifact.name + " declared twice");
    }
  }
  if (stream.artifacts.size() == kMaxArtifacts) {
    return Error::BadInput("more than " + std::to_string(kMaxArtifacts) + " artifacts");
  }
  stream.artifacts.push_back(std::move(artifact));
  return OkStatus();
}

// One line of the protocol, parsed by its codec and applied to the stream. Log lines are
// batched; any other line first writes the batch, so that the log keeps its order.
Status HandleLine(BuildLogs& logs, Stream& stream, std::string_view line, std::string& reply) {
  auto parsed = ParseBuildLogLine(line);
  if (parsed.ok() && parsed->kind == BuildLogLineKind::kLog) {
    if (stream.closed) return Error::BadInput("log line after close");
    stream.batch.push_back(parsed->text);
    return OkStatus();
  }
  VIGIL_RETURN_IF_ERROR(FlushLines(logs, stream));
  VIGIL_RETURN_IF_ERROR(parsed.status());  // an unknown or malformed line
  switch (parsed->kind) {
    case BuildLogLineKind::kSync: {
      VIGIL_ASSIGN_OR_RETURN(std::uint64_t durable, logs.Sync(stream.id));
      reply += FormatAck(durable);
      stream.acked = durable;
      return OkStatus();
    }
    case BuildLogLineKind::kArtifact:
      return Declare(stream, std::move(parsed->artifact));
    case BuildLogLineKind::kClose:
      if (stream.closed) return Error::BadInput("close sent twice");
      stream.closed = true;
      return OkStatus();
    case BuildLogLineKind::kLog:
      break;  // above
  }
  return OkStatus();
}

// Handles the complete lines of one chunk, up to the first protocol error, and returns
// what to answer: acks, asked for or not.
std::string HandleLines(BuildLogs& logs, Stream& stream, LineSplitter& lines) {
  std::string reply;
  while (!stream.error) {
    auto line = lines.Next();
    if (!line) break;
    Status handled = HandleLine(logs, stream, line->text, reply);
    if (!handled.ok()) stream.error = handled.error();
  }
  // Lines before a protocol error in the same chunk are kept too.
  Status flushed = FlushLines(logs, stream);
  if (!flushed.ok() && !stream.error) stream.error = flushed.error();
  stream.batch.clear();  // it points into `lines`
  const std::uint64_t durable = logs.DurableLines(stream.id);
  if (reply.empty() && durable > stream.acked) {
    reply = FormatAck(durable);
    stream.acked = durable;
  }
  return reply;
}

// Reads the stream until it ends or breaks, or a protocol error. True when the builder
// half-closed it after a whole line.
asio::awaitable<bool> ReadStream(rpc::Call& call, BuildLogs& logs, Stream& stream) {
  LineSplitter lines(kMaxBuildLogLine);
  while (!stream.error) {
    auto chunk = co_await call.Read();
    if (!chunk.ok()) {
      stream.error = chunk.error();  // the stream broke
      co_return false;
    }
    if (!chunk->has_value()) {
      if (lines.InsideLine()) {
        stream.error = Error::BadInput("the stream ended inside a line (no final newline)");
      }
      co_return true;
    }
    lines.Append(**chunk);
    const std::string reply = HandleLines(logs, stream, lines);
    if (!reply.empty() && !stream.error) {
      Status sent = co_await call.Write(reply);
      if (!sent.ok()) stream.error = sent.error();
    }
  }
  co_return false;
}

// Refuses a build id that is malformed or used, and starts its log. Returns the start time.
Result<std::string> StartStream(tlog::LogStore& store, BuildLogs& logs, const std::string& id,
                                const rpc::CallIdentity& builder) {
  VIGIL_RETURN_IF_ERROR(CheckBuildId(id));
  VIGIL_ASSIGN_OR_RETURN(auto logged, store.FindByLabel({"build-log", id}));
  if (!logged.empty()) {
    return Error::Failed("build " + id + " is in the ledger already (entry " +
                         std::to_string(logged.front()) + "): build ids are used once");
  }
  std::string start = UtcTimestamp(std::chrono::system_clock::now());
  // Who streamed it, so that a log the ledger could not finish (a crash) is still
  // attributed when it is recovered.
  const nlohmann::json meta{{"builder", {{"name", builder.name}, {"tags", builder.tags}}},
                            {"start", start}};
  VIGIL_RETURN_IF_ERROR(logs.Start(id, meta.dump()));
  return start;
}

// The build-log entry of a finished stream.
Result<BuildEntry> EntryOf(BuildLogs& logs, Stream& stream, const rpc::CallIdentity& builder,
                           std::string start, bool closed) {
  BuildEntry entry;
  entry.build_id = stream.id;
  entry.builder = builder;
  entry.start = std::move(start);
  entry.end = UtcTimestamp(std::chrono::system_clock::now());
  entry.lines = stream.lines;
  entry.closed = closed;
  entry.artifacts = std::move(stream.artifacts);
  VIGIL_ASSIGN_OR_RETURN(const crypto::Sha256Digest log_sha256,
                         crypto::Sha256OfFile(logs.LogPath(stream.id), kMaxLogSize));
  entry.log_sha256 = crypto::Sha256Hex(log_sha256);
  return entry;
}

// The truncated entry of a build whose log was left without one (the ledger died while it
// streamed): its text as it is, attributed from its meta.
Result<BuildEntry> InterruptedEntryOf(BuildLogs& logs, const std::string& id) {
  const fs::path log = logs.LogPath(id);
  BuildEntry entry;
  entry.build_id = id;
  entry.builder.name = "unknown";
  fs::path meta_path = log;
  meta_path.replace_extension(".meta");
  if (auto meta_bytes = ReadFile(meta_path, 64 * 1024); meta_bytes.ok()) {
    auto meta = nlohmann::json::parse(AsText(*meta_bytes), nullptr, false);
    if (!meta.is_discarded() && meta.is_object()) {
      using Pointer = nlohmann::json::json_pointer;
      entry.builder.name = meta.value(Pointer("/builder/name"), std::string("unknown"));
      entry.builder.tags = meta.value(Pointer("/builder/tags"), std::vector<std::string>{});
      entry.start = meta.value("start", "");
    }
  }
  std::error_code ec;
  const auto modified = fs::last_write_time(log, ec);
  entry.end = UtcTimestamp(ec ? std::chrono::system_clock::now()
                              : std::chrono::file_clock::to_sys(modified));
  // Count the complete lines: a torn last line (the crash) stays in the text.
  std::ifstream in(log, std::ios::binary);
  entry.lines = static_cast<std::uint64_t>(
      std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
  VIGIL_ASSIGN_OR_RETURN(const crypto::Sha256Digest log_sha256,
                         crypto::Sha256OfFile(log, kMaxLogSize));
  entry.log_sha256 = crypto::Sha256Hex(log_sha256);
  return entry;
}

}  // namespace

void LedgerService::RegisterWith(rpc::ServiceHost& host) {
  host.Register("vigil.BuildLog", [this](rpc::Call& call) { return BuildLog(call); });
  host.Register("vigil.Append", [this](rpc::Call& call) { return Append(call); });
}

asio::awaitable<Status> LedgerService::BuildLog(rpc::Call& call) {
  Stream stream;
  stream.id = call.argument();
  auto start = StartStream(store_, logs_, stream.id, call.caller());
  VIGIL_CO_RETURN_IF_ERROR(start.status());
  const bool clean_end = co_await ReadStream(call, logs_, stream);

  const bool closed = clean_end && stream.closed && !stream.error;
  Status finished = logs_.Finish(stream.id, closed ? BuildState::kClosed : BuildState::kTruncated);
  auto entry = EntryOf(logs_, stream, call.caller(), *start, closed && finished.ok());
  VIGIL_CO_RETURN_IF_ERROR(entry.status());
  Bytes serialized = SerializeBuildEntry(*entry);
  auto index = co_await AppendEntry(sequencer_, std::move(serialized));
  VIGIL_CO_RETURN_IF_ERROR(index.status());
  if (!entry->closed) {
    if (stream.error) co_return *stream.error;
    if (!finished.ok()) co_return finished.error();
    co_return Error::Failed("the stream ended without `close`: logged as truncated (entry " +
                            std::to_string(*index) + ")");
  }
  auto receipt = store_.Receipt(*index);
  VIGIL_CO_RETURN_IF_ERROR(receipt.status());
  const std::string answer = FormatReceiptAnswer(*receipt);
  VIGIL_CO_RETURN_IF_ERROR(co_await call.Write(answer));
  co_return OkStatus();
}

asio::awaitable<Status> LedgerService::Append(rpc::Call& call) {
  std::string body;
  while (true) {
    auto chunk = co_await call.Read();
    VIGIL_CO_RETURN_IF_ERROR(chunk.status());
    if (!chunk->has_value()) break;
    body += **chunk;
    if (body.size() > kMaxRecordSize) {
      co_return Error::BadInput("a record is at most " + std::to_string(kMaxRecordSize) + " bytes");
    }
  }
  auto record = PrepareRecord(call.argument(), body, call.caller());
  VIGIL_CO_RETURN_IF_ERROR(record.status());
  // A record with an id is appended once: a retry (its first answer was lost) gets the
  // first one's receipt.
  const std::optional<std::string> id = RecordId(*record);
  const std::string key = call.argument() + "\n" + id.value_or("");
  if (id) {
    std::lock_guard<std::mutex> lock(appending_mutex_);
    if (!appending_.insert(key).second) {
      co_return Error::Failed("record " + *id + " is being appended now: retry");
    }
  }
  auto index = co_await AppendOnce(call.argument(), id, std::move(record).value());
  if (id) {
    std::lock_guard<std::mutex> lock(appending_mutex_);
    appending_.erase(key);
  }
  VIGIL_CO_RETURN_IF_ERROR(index.status());
  auto receipt = store_.Receipt(*index);
  VIGIL_CO_RETURN_IF_ERROR(receipt.status());
  VIGIL_CO_RETURN_IF_ERROR(co_await call.Write(*receipt));
  co_return OkStatus();
}

asio::awaitable<Result<std::uint64_t>> LedgerService::AppendOnce(
    const std::string& type, const std::optional<std::string>& id, Bytes record) {
  if (id) {
    auto logged = store_.FindByLabel({type, *id});
    if (!logged.ok()) co_return logged.error();
    if (!logged->empty()) co_return logged->front();
  }
  co_return co_await AppendEntry(sequencer_, std::move(record));
}

Result<std::size_t> LedgerService::RecoverInterruptedBuilds() {
  // Ledgers sharing a log: the builds the previous sequencer left running, from the archive
  // (this host's stale copies were replaced while it was a standby).
  VIGIL_ASSIGN_OR_RETURN(const std::vector<std::string> restored, logs_.RestoreRunning());
  std::size_t recovered = 0;
  for (const std::string& id : logs_.Orphans({})) {
    VIGIL_ASSIGN_OR_RETURN(auto logged, store_.FindByLabel({"build-log", id}));
    if (logged.empty()) {
      VIGIL_ASSIGN_OR_RETURN(BuildEntry entry, InterruptedEntryOf(logs_, id));
      VIGIL_RETURN_IF_ERROR(sequencer_.Append(SerializeBuildEntry(entry)).status());
      ++recovered;
    }
    if (std::find(restored.begin(), restored.end(), id) != restored.end()) {
      VIGIL_RETURN_IF_ERROR(logs_.MarkTruncated(id));
    }
  }
  return recovered;
}

}  // namespace vigil::ledger
