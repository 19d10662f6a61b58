#include "ledger/http_api.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "base/base64.h"
#include "base/bytes.h"
#include "base/unique_fd.h"
#include "crypto/hash.h"
#include "http/server.h"
#include "ledger/web_page.h"
#include "tlog/tile.h"

namespace vigil::ledger {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kBuildLogKind = "build-log";
// Live followers allowed at once (each is a connection held for as long as it follows).
constexpr int kMaxFollowers = 48;
// /builds: at most this many builds, and stops adding logged ones past this many bytes.
constexpr std::size_t kMaxBuilds = 1000;
constexpr std::size_t kMaxBuildsBytes = 8 << 20;
// Reads of log files, per step.
constexpr std::size_t kReadChunk = 64 << 10;
// A live event holds at most this much of a line (stored lines are at most kMaxLineLength
// plus stamp and cut marker, so only a corrupt file reaches it).
constexpr std::size_t kMaxEventLine = 4 * kMaxLineLength;
// A waiting follower looks for new lines this often; says something this often.
constexpr milliseconds kPollInterval{200};
constexpr milliseconds kKeepaliveInterval{1000};
// After a build ends, how long a follower waits for its ledger entry (which carries the
// final status) before it ends with "unknown". Counted from the log's last change.
constexpr std::chrono::seconds kEntryGrace{15};

constexpr const char* kText = "text/plain; charset=utf-8";
constexpr const char* kNoCache = "no-cache";

void SetError(http::Response& res, int status, const std::string& message) {
  res.status = status;
  res.SetHeader("Cache-Control", "no-store");
  res.SetContent(message + "\n", kText);
}

// Maps a store error to 400 (malformed), 404 (not found) or 500 without internals.
void SetStoreError(http::Response& res, const Error& error) {
  switch (error.code()) {
    case ErrorCode::kBadInput:
      SetError(res, 400, error.message());
      return;
    case ErrorCode::kFailed:
      SetError(res, 404, error.message());
      return;
    case ErrorCode::kMissingEnv:
      break;
  }
  SetError(res, 500, "the ledger could not read its log; try again later");
}

// Opens a build's log for reading: 400 for an invalid id, 404 when there is no log.
std::optional<UniqueFd> OpenLog(BuildLogs& logs, const std::string& id, http::Response& res) {
  Status valid = CheckBuildId(id);
  if (!valid.ok()) {
    SetError(res, 400, valid.error().message());
    return std::nullopt;
  }
  UniqueFd fd(::open(logs.LogPath(id).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      SetError(res, 404, "no log for build " + id + ": see /builds for the builds there are");
    } else {
      SetError(res, 500, "the log of build " + id + " cannot be read; try again later");
    }
    return std::nullopt;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    SetError(res, 500, "the log of build " + id + " cannot be read; try again later");
    return std::nullopt;
  }
  return fd;
}

// pread that retries on EINTR; -1 on errors.
ssize_t ReadAt(int fd, char* buffer, std::size_t size, std::uint64_t offset) {
  while (true) {
    const ssize_t n = ::pread(fd, buffer, size, static_cast<off_t>(offset));
    if (n >= 0 || errno != EINTR) return n;
  }
}

// The size of the log's complete lines: its size up to and including the last newline.
std::optional<std::uint64_t> CompleteLinesSize(int fd, std::uint64_t size) {
  std::uint64_t end = size;
  std::vector<char> buffer(kReadChunk);
  while (end > 0) {
    const std::uint64_t start = end > kReadChunk ? end - kReadChunk : 0;
    const auto length = static_cast<std::size_t>(end - start);
    if (ReadAt(fd, buffer.data(), length, start) != static_cast<ssize_t>(length)) {
      return std::nullopt;
    }
    for (std::size_t i = length; i > 0; --i) {
      if (buffer[i - 1] == '\n') return start + i;
    }
    end = start;
  }
  return 0;
}

// Reads entries, loading each entry bundle once instead of once per entry.
class EntryReader {
 public:
  explicit EntryReader(const tlog::LogStore& store) : store_(store), size_(store.size()) {}

  std::optional<Bytes> Read(std::uint64_t index) {
    const std::uint64_t bundle = index / tlog::kFullTileWidth;
    if (!has_loaded_ || loaded_ != bundle) {
      has_loaded_ = true;
      loaded_ = bundle;
      entries_.clear();
      const int width = tlog::TileWidth(size_, 0, bundle);
      if (width > 0) {
        auto raw = store_.ReadTile(tlog::EntryBundlePath(bundle, width));
        if (raw.ok()) {
          auto decoded = tlog::DecodeEntryBundle(*raw, static_cast<std::size_t>(width));
          if (decoded.ok()) entries_ = std::move(decoded).value();
        }
      }
    }
    const std::uint64_t slot = index % tlog::kFullTileWidth;
    if (slot < entries_.size()) return entries_[slot];
    // Not in the bundle of the size we started with (the tree grew): read it alone.
    auto entry = store_.ReadEntry(index);
    if (!entry.ok()) return std::nullopt;
    return std::move(entry).value();
  }

 private:
  const tlog::LogStore& store_;
  const std::uint64_t size_;
  bool has_loaded_ = false;
  std::uint64_t loaded_ = 0;
  std::vector<Bytes> entries_;
};

// A build-log entry as JSON, or nullopt for anything else.
std::optional<nlohmann::json> ParseBuildEntry(ByteView entry) {
  nlohmann::json json = nlohmann::json::parse(AsText(entry), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  auto type = json.find("type");
  if (type == json.end() || *type != kBuildLogKind) return std::nullopt;
  return json;
}

// The final status of build `id` from its ledger entry, if it is logged.
std::optional<std::string> LoggedStatus(const tlog::LogStore& store, const std::string& id) {
  auto found = store.FindByLabel({kBuildLogKind, id});
  if (!found.ok() || found->empty()) return std::nullopt;
  auto entry = store.ReadEntry(*std::max_element(found->begin(), found->end()));
  if (!entry.ok()) return std::nullopt;
  auto json = ParseBuildEntry(*entry);
  if (!json) return "unknown";
  auto status = json->find("status");
  if (status != json->end() && (*status == "closed" || *status == "truncated")) {
    return status->get<std::string>();
  }
  return "unknown";
}

// Follows one build's log for GET /builds/<ID>/live. The server calls Step() on a worker
// thread until it returns kDone or kFail; each call does a bounded amount of work (at most
// one read) and returns kWait when there is nothing to send yet.
class LiveFollower {
 public:
  LiveFollower(BuildLogs& logs, const tlog::LogStore& store, std::string id, UniqueFd fd,
               std::shared_ptr<std::atomic<int>> followers)
      : logs_(logs),
        store_(store),
        id_(std::move(id)),
        fd_(std::move(fd)),
        followers_(std::move(followers)),
        last_write_(Clock::now()) {}
  ~LiveFollower() { --*followers_; }
  LiveFollower(const LiveFollower&) = delete;
  LiveFollower& operator=(const LiveFollower&) = delete;

  http::StreamStep Step(std::string& out) {
    std::string events;
    bool eof = false;
    if (phase_ != Phase::kAwaitingEntry && !ReadLines(events, eof)) return http::StreamStep::kFail;
    if (!events.empty()) return Write(out, events);

    switch (phase_) {
      case Phase::kStreaming:
        if (logs_.WaitForGrowth(id_, offset_, milliseconds(0))) return KeepAlive(out);
        phase_ = Phase::kDraining;  // not running: read what is left, then end
        return http::StreamStep::kData;
      case Phase::kDraining:
        if (!eof) return http::StreamStep::kData;
        phase_ = Phase::kAwaitingEntry;
        entry_deadline_ = EntryDeadline();
        if (!partial_.empty()) {  // a last line without newline: send it anyway
          AppendEvent(events, partial_);
          partial_.clear();
          return Write(out, events);
        }
        return http::StreamStep::kData;
      case Phase::kAwaitingEntry:
        break;
    }
    std::optional<std::string> status = LoggedStatus(store_, id_);
    if (!status && std::chrono::system_clock::now() < entry_deadline_) return KeepAlive(out);
    out += "event: end\ndata: " + status.value_or("unknown") + "\n\n";
    return http::StreamStep::kDone;
  }

 private:
  enum class Phase { kStreaming, kDraining, kAwaitingEntry };

  // Reads the next chunk of the log and turns its complete lines into events. Sets `eof`
  // when there was nothing more to read.
  bool ReadLines(std::string& events, bool& eof) {
    buffer_.resize(kReadChunk);
    const ssize_t n = ReadAt(fd_.get(), buffer_.data(), buffer_.size(), offset_);
    if (n < 0) return false;
    if (n == 0) {
      eof = true;
      return true;
    }
    offset_ += static_cast<std::uint64_t>(n);
    events.reserve(static_cast<std::size_t>(n) + 1024);
    for (const char c : std::string_view(buffer_.data(), static_cast<std::size_t>(n))) {
      if (c == '\n') {
        AppendEvent(events, partial_);
        partial_.clear();
        continue;
      }
      // Lines are stored sanitised already; keep anything else out of the event stream.
      const bool printable = (c >= 0x20 && c < 0x7f) || c == '\t';
      partial_.push_back(printable ? c : '.');
      if (partial_.size() >= kMaxEventLine) {
        AppendEvent(events, partial_);
        partial_.clear();
      }
    }
    return true;
  }

  static void AppendEvent(std::string& events, const std::string& line) {
    events += "data: ";
    events += line;
    events += "\n\n";
  }

  http::StreamStep Write(std::string& out, const std::string& data) {
    out += data;
    last_write_ = Clock::now();
    return http::StreamStep::kData;
  }

  // Sends a comment when nothing was sent for a while: keeps proxies from timing the stream
  // out and finds clients that went away.
  http::StreamStep KeepAlive(std::string& out) {
    if (Clock::now() - last_write_ < kKeepaliveInterval) return http::StreamStep::kWait;
    return Write(out, ": keepalive\n\n");
  }

  std::chrono::system_clock::time_point EntryDeadline() const {
    const auto now = std::chrono::system_clock::now();
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) return now + kEntryGrace;
    const auto changed = std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(st.st_mtim.tv_sec) +
            std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    return std::min(changed, now) + kEntryGrace;
  }

  BuildLogs& logs_;
  const tlog::LogStore& store_;
  const std::string id_;
  const UniqueFd fd_;
  const std::shared_ptr<std::atomic<int>> followers_;
  Phase phase_ = Phase::kStreaming;
  std::uint64_t offset_ = 0;
  std::string partial_;
  std::vector<char> buffer_;
  Clock::time_point last_write_;
  std::chrono::system_clock::time_point entry_deadline_;
};

}  // namespace

HttpApi::HttpApi(tlog::LogStore& store, BuildLogs& logs) : store_(store), logs_(logs) {}

HttpApi::~HttpApi() { Stop(); }

Result<int> HttpApi::Start(const std::string& host, int port) {
  if (server_) return Error::Failed("the ledger's HTTP API is started already");
  if (port < 0 || port > 65535) {
    return Error::BadInput("HTTP port " + std::to_string(port) +
                           " is out of range: use 1-65535, or 0 for any free port");
  }
  server_ = std::make_unique<http::Server>();
  Routes();
  auto bound = server_->Start(host, port);
  if (!bound.ok()) server_.reset();
  return bound;
}

void HttpApi::Stop() {
  if (!server_) return;
  server_->Stop();
  server_.reset();
}

void HttpApi::Routes() {
  http::Server& server = *server_;
  server.SetDefaultHeaders(
      {{"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "no-referrer"}});
  server.SetStreamPollInterval(kPollInterval);

  // The page, with a Content-Security-Policy that allows its one script by hash.
  const std::string page = std::string(kWebPageHead) + "<script>" + std::string(kWebPageScript) +
                           "</script>" + std::string(kWebPageTail);
  const crypto::Sha256Digest script_hash = crypto::Sha256(AsBytes(kWebPageScript));
  const std::string csp = "default-src 'none'; script-src 'sha256-" + Base64Encode(script_hash) +
                          "'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";
  server.Get("/", [page, csp](const http::Request&, http::Response& res) {
    res.SetHeader("Content-Security-Policy", csp);
    res.SetHeader("Cache-Control", kNoCache);
    res.SetContent(page, "text/html; charset=utf-8");
  });

  server.Get("/healthz", [](const http::Request&, http::Response& res) {
    res.SetHeader("Cache-Control", "no-store");
    res.SetContent("ok\n", kText);
  });

  server.Get("/checkpoint", [this](const http::Request&, http::Response& res) {
    res.SetHeader("Cache-Control", kNoCache);
    res.SetContent(store_.checkpoint(), kText);
  });

  server.GetPrefix("/tile/", [this](const http::Request& req, http::Response& res) {
    const std::string path = req.path.substr(1);  // "tile/..."
    auto tile = store_.ReadTile(path);
    if (!tile.ok()) {
      SetStoreError(res, tile.error());
      return;
    }
    // A full tile never changes; a partial one is replaced as the tree grows.
    const bool partial = path.find(".p/") != std::string::npos;
    res.SetHeader("Cache-Control", partial ? kNoCache : "public, max-age=31536000, immutable");
    res.SetContent(std::string(reinterpret_cast<const char*>(tile->data()), tile->size()),
                   "application/octet-stream");
  });

  server.Get("/builds", [this](const http::Request&, http::Response& res) { ListBuilds(res); });

  auto followers = std::make_shared<std::atomic<int>>(0);
  // /builds/<ID>/log, /builds/<ID>/live, /builds/<ID>/signatures.
  server.GetPrefix("/builds/", [this, followers](const http::Request& req, http::Response& res) {
    std::string_view rest = std::string_view(req.path).substr(8);
    const std::size_t slash = rest.find('/');
    const std::string id(rest.substr(0, slash));
    const std::string_view what = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (what == "/log") {
      ServeLog(id, res);
    } else if (what == "/live") {
      FollowLog(id, followers, res);
    } else if (what == "/signatures") {
      ListSignatures(id, res);
    } else {
      SetError(res, 404, "not found: see / for the builds, or /checkpoint and /tile/...");
    }
  });
}

void HttpApi::ListBuilds(http::Response& res) {
  nlohmann::json builds = nlohmann::json::array();
  for (const BuildSummary& build : logs_.RunningBuilds()) {
    if (builds.size() >= kMaxBuilds) break;
    builds.push_back({{"build_id", build.id}, {"status", "running"}, {"lines", build.lines}});
  }
  auto logged = store_.ListKind(kBuildLogKind, kMaxBuilds - builds.size());
  if (!logged.ok()) {
    SetStoreError(res, Error::MissingEnv(logged.error().message()));
    return;
  }
  EntryReader reader(store_);
  std::size_t bytes = 0;
  for (const std::uint64_t index : *logged) {
    std::optional<Bytes> entry = reader.Read(index);
    if (!entry) continue;
    std::optional<nlohmann::json> build = ParseBuildEntry(*entry);
    if (!build) continue;
    bytes += entry->size();
    if (bytes > kMaxBuildsBytes) break;
    (*build)["index"] = index;
    builds.push_back(std::move(*build));
  }
  res.SetHeader("Cache-Control", kNoCache);
  res.SetContent(builds.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                 "application/json");
}

// The ledger indexes of the signature records made for a build (the signer appends one per
// signature), so a verifier can find and prove them.
void HttpApi::ListSignatures(const std::string& id, http::Response& res) {
  if (Status valid = CheckBuildId(id); !valid.ok()) {
    SetError(res, 400, valid.error().message());
    return;
  }
  auto found = store_.FindByLabel({"signature", id});
  if (!found.ok()) {
    SetStoreError(res, Error::MissingEnv(found.error().message()));
    return;
  }
  nlohmann::json indexes = *found;
  res.SetHeader("Cache-Control", kNoCache);
  res.SetContent(indexes.dump(), "application/json");
}

void HttpApi::ServeLog(const std::string& id, http::Response& res) {
  std::optional<UniqueFd> fd = OpenLog(logs_, id, res);
  if (!fd) return;
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) {
    SetError(res, 500, "the log of build " + id + " cannot be read; try again later");
    return;
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  // A running build may be writing a line: serve its complete lines only.
  if (logs_.Running(id)) {
    std::optional<std::uint64_t> complete = CompleteLinesSize(fd->get(), size);
    if (!complete) {
      SetError(res, 500, "the log of build " + id + " cannot be read; try again later");
      return;
    }
    size = *complete;
  }
  res.SetHeader("Cache-Control", kNoCache);
  res.SetHeader("Content-Type", kText);
  if (size == 0) return;
  auto file = std::make_shared<UniqueFd>(std::move(*fd));
  auto offset = std::make_shared<std::uint64_t>(0);
  res.stream_length = size;
  res.stream = [file, offset, size](std::string& out) {
    if (*offset >= size) return http::StreamStep::kDone;
    out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(size - *offset, kReadChunk)));
    const ssize_t n = ReadAt(file->get(), out.data(), out.size(), *offset);
    if (n <= 0) return http::StreamStep::kFail;  // an error, or the file shrank
    out.resize(static_cast<std::size_t>(n));
    *offset += static_cast<std::uint64_t>(n);
    return *offset >= size ? http::StreamStep::kDone : http::StreamStep::kData;
  };
}

void HttpApi::FollowLog(const std::string& id, const std::shared_ptr<std::atomic<int>>& followers,
                        http::Response& res) {
  std::optional<UniqueFd> fd = OpenLog(logs_, id, res);
  if (!fd) return;
  if (++*followers > kMaxFollowers) {
    --*followers;
    SetError(res, 503, "too many live followers; try again later");
    res.SetHeader("Retry-After", "10");
    return;
  }
  auto follower = std::make_shared<LiveFollower>(logs_, store_, id, std::move(*fd), followers);
  res.SetHeader("Cache-Control", "no-store");
  res.SetHeader("X-Accel-Buffering", "no");
  res.SetHeader("Content-Type", "text/event-stream");
  res.stream = [follower](std::string& out) { return follower->Step(out); };
}

}  // namespace vigil::ledger
