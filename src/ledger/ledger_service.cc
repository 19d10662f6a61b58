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
#include "crypto/file_hash.h"
#include "ledger/build_entry.h"
#include "ledger/build_log_line.h"

namespace vigil::ledger {
namespace {

// A protocol line (before the log text is cut to kMaxLineLength) may be this long; longer
// ones are cut here and the rest up to the newline is dropped.
constexpr std::size_t kMaxProtocolLine = 64 * 1024;
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

Status HandleLine(BuildLogs& logs, Stream& stream, std::string_view line, std::string& reply) {
  auto parsed = ParseBuildLogLine(line);
  if (parsed.ok() && parsed->kind == BuildLogLineKind::kLog) {
    if (stream.closed) return Error::BadInput("log line after close");
    stream.batch.push_back(parsed->rest);
    return OkStatus();
  }
  VIGIL_RETURN_IF_ERROR(FlushLines(logs, stream));
  VIGIL_RETURN_IF_ERROR(parsed.status());  // an unknown line
  if (parsed->kind == BuildLogLineKind::kSync) {
    VIGIL_ASSIGN_OR_RETURN(std::uint64_t durable, logs.Sync(stream.id));
    reply += "ack " + std::to_string(durable) + "\n";
    stream.acked = durable;
    return OkStatus();
  }
  if (parsed->kind == BuildLogLineKind::kArtifact) {
    if (stream.closed) return Error::BadInput("artifact after close");
    VIGIL_ASSIGN_OR_RETURN(Artifact artifact, ParseArtifactLine(parsed->rest));
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
  // BuildLogLineKind::kClose
  if (stream.closed) return Error::BadInput("close sent twice");
  stream.closed = true;
  return OkStatus();
}

}  // namespace

void LedgerService::RegisterWith(rpc::ServiceHost& host) {
  host.Register("vigil.BuildLog", [this](rpc::Call& call) { return BuildLog(call); });
  host.Register("vigil.Append", [this](rpc::Call& call) { return Append(call); });
}

asio::awaitable<Status> LedgerService::BuildLog(rpc::Call& call) {
  Stream stream;
  stream.id = call.argument();
  VIGIL_CO_RETURN_IF_ERROR(CheckBuildId(stream.id));
  auto logged = store_.FindByLabel({"build-log", stream.id});
  VIGIL_CO_RETURN_IF_ERROR(logged.status());
  if (!logged->empty()) {
    co_return Error::Failed("build " + stream.id + " is in the ledger already (entry " +
                            std::to_string(logged->front()) + "): build ids are used once");
  }
  const std::string start = UtcTimestamp(std::chrono::system_clock::now());
  VIGIL_CO_RETURN_IF_ERROR(logs_.Start(stream.id));
  // Who streamed it, so that a log the ledger could not finish (a crash) is still
  // attributed when it is recovered.
  const nlohmann::json meta{
      {"builder", {{"name", call.caller().name}, {"tags", call.caller().tags}}}, {"start", start}};
  VIGIL_CO_RETURN_IF_ERROR(
      WriteFileAtomic(logs_.LogPath(stream.id).replace_extension(".meta"), AsBytes(meta.dump())));

  std::string pending;
  bool skipping = false;  // dropping the rest of an oversize line
  bool clean_end = false;
  while (!stream.error) {
    auto chunk = co_await call.Read();
    if (!chunk.ok()) {
      stream.error = chunk.error();  // the stream broke
      break;
    }
    if (!chunk->has_value()) {
      clean_end = true;
      break;
    }
    pending += **chunk;
    std::string reply;
    std::size_t begin = 0;
    while (!stream.error) {
      const std::size_t newline = pending.find('\n', begin);
      if (newline == std::string::npos) {
        if (pending.size() - begin > kMaxProtocolLine) {
          // Cut: keep the first part as the line, drop the rest up to the next newline.
          if (!skipping) {
            Status handled =
                HandleLine(logs_, stream, std::string_view(pending).substr(begin), reply);
            if (!handled.ok()) stream.error = handled.error();
          }
          skipping = true;
          begin = pending.size();
        }
        break;
      }
      if (!skipping) {
        Status handled = HandleLine(
            logs_, stream, std::string_view(pending).substr(begin, newline - begin), reply);
        if (!handled.ok()) stream.error = handled.error();
      }
      skipping = false;
      begin = newline + 1;
    }
    // Lines before a protocol error in the same chunk are kept too.
    Status flushed = FlushLines(logs_, stream);
    if (!flushed.ok() && !stream.error) stream.error = flushed.error();
    stream.batch.clear();  // it points into `pending`
    pending.erase(0, begin);
    const std::uint64_t durable = logs_.DurableLines(stream.id);
    if (reply.empty() && durable > stream.acked) {
      reply = "ack " + std::to_string(durable) + "\n";
      stream.acked = durable;
    }
    if (!reply.empty() && !stream.error) {
      Status sent = co_await call.Write(reply);
      if (!sent.ok()) stream.error = sent.error();
    }
  }
  if (!pending.empty() && !skipping && !stream.error && clean_end) {
    stream.error = Error::BadInput("the stream ended inside a line (no final newline)");
  }

  const bool closed = clean_end && stream.closed && !stream.error;
  Status finished = logs_.Finish(stream.id, closed ? BuildState::kClosed : BuildState::kTruncated);
  BuildEntry entry;
  entry.build_id = stream.id;
  entry.builder = call.caller();
  entry.start = start;
  entry.end = UtcTimestamp(std::chrono::system_clock::now());
  entry.lines = stream.lines;
  entry.closed = closed && finished.ok();
  entry.artifacts = std::move(stream.artifacts);
  auto log_hash = crypto::Sha256OfFile(logs_.LogPath(stream.id), kMaxLogSize);
  VIGIL_CO_RETURN_IF_ERROR(log_hash.status());
  entry.log_sha256 = *log_hash;
  auto index = co_await AppendEntry(sequencer_, SerializeBuildEntry(entry));
  VIGIL_CO_RETURN_IF_ERROR(index.status());
  if (!entry.closed) {
    if (stream.error) co_return *stream.error;
    if (!finished.ok()) co_return finished.error();
    co_return Error::Failed("the stream ended without `close`: logged as truncated (entry " +
                            std::to_string(*index) + ")");
  }
  auto receipt = store_.Receipt(*index);
  VIGIL_CO_RETURN_IF_ERROR(receipt.status());
  VIGIL_CO_RETURN_IF_ERROR(co_await call.Write("receipt\n" + *receipt));
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
  auto index = co_await AppendEntry(sequencer_, std::move(record).value());
  VIGIL_CO_RETURN_IF_ERROR(index.status());
  auto receipt = store_.Receipt(*index);
  VIGIL_CO_RETURN_IF_ERROR(receipt.status());
  VIGIL_CO_RETURN_IF_ERROR(co_await call.Write(*receipt));
  co_return OkStatus();
}

Result<std::size_t> LedgerService::RecoverInterruptedBuilds() {
  std::size_t recovered = 0;
  for (const std::string& id : logs_.Orphans({})) {
    VIGIL_ASSIGN_OR_RETURN(auto logged, store_.FindByLabel({"build-log", id}));
    if (!logged.empty()) continue;
    const fs::path log = logs_.LogPath(id);
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
    VIGIL_ASSIGN_OR_RETURN(entry.log_sha256, crypto::Sha256OfFile(log, kMaxLogSize));
    VIGIL_RETURN_IF_ERROR(sequencer_.Append(SerializeBuildEntry(entry)).status());
    ++recovered;
  }
  return recovered;
}

}  // namespace vigil::ledger
