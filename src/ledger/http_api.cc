#include "ledger/http_api.h"

#include <fcntl.h>
#include <httplib.h>
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
#include "ledger/web_page.h"
#include "tlog/tile.h"

namespace vigil::ledger {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kBuildLogKind = "build-log";
// Worker threads: every live follower holds one for as long as it follows.
constexpr std::size_t kWorkerThreads = 64;
// Live followers allowed at once, so that the other requests always find a worker.
constexpr int kMaxFollowers = 48;
// /builds: at most this many builds, and stops adding logged ones past this many bytes.
constexpr std::size_t kMaxBuilds = 1000;
constexpr std::size_t kMaxBuildsBytes = 8 << 20;
// Requests carry no body.
constexpr std::size_t kMaxPayload = 64 << 10;
// Byte ranges one request may ask for (HTTP Range); more are refused with 416.
constexpr std::size_t kMaxRanges = 1;
// Reads of log files, per step.
constexpr std::size_t kReadChunk = 64 << 10;
// A live event holds at most this much of a line (stored lines are at most kMaxLineLength
// plus stamp and cut marker, so only a corrupt file reaches it).
constexpr std::size_t kMaxEventLine = 4 * kMaxLineLength;
// A follower wakes this often to notice a stopping server; says something this often.
constexpr milliseconds kPollInterval{250};
constexpr milliseconds kKeepaliveInterval{1000};
// After a build ends, how long a follower waits for its ledger entry (which carries the
// final status) before it ends with "unknown". Counted from the log's last change.
constexpr std::chrono::seconds kEntryGrace{15};

constexpr const char* kText = "text/plain; charset=utf-8";
constexpr const char* kNoCache = "no-cache";

void SetError(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(message + "\n", kText);
}

// Maps a store error to 400 (malformed), 404 (not found) or 500 without internals.
void SetStoreError(httplib::Response& res, const Error& error) {
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
std::optional<UniqueFd> OpenLog(BuildLogs& logs, const std::string& id, httplib::Response& res) {
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

// Follows one build's log for GET /builds/<ID>/live. httplib calls Step() until it calls
// sink.done() or returns false; each call does a bounded amount of work (at most one read
// or one kPollInterval wait) so that httplib notices a stopping server between calls.
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

  bool Step(httplib::DataSink& sink) noexcept {
    try {
      return StepOrThrow(sink);
    } catch (const std::exception&) {
      return false;  // e.g. out of memory: drop this follower, not the server
    }
  }

 private:
  enum class Phase { kStreaming, kDraining, kAwaitingEntry };

  bool StepOrThrow(httplib::DataSink& sink) {
    if (!sink.is_writable()) return false;
    std::string events;
    bool eof = false;
    if (phase_ != Phase::kAwaitingEntry && !ReadLines(events, eof)) return false;
    if (!events.empty()) return Write(sink, events);

    switch (phase_) {
      case Phase::kStreaming:
        if (logs_.WaitForGrowth(id_, offset_, kPollInterval)) return KeepAlive(sink);
        phase_ = Phase::kDraining;  // not running: read what is left, then end
        return true;
      case Phase::kDraining:
        if (!eof) return true;
        phase_ = Phase::kAwaitingEntry;
        entry_deadline_ = EntryDeadline();
        if (!partial_.empty()) {  // a last line without newline: send it anyway
          AppendEvent(events, partial_);
          partial_.clear();
          return Write(sink, events);
        }
        return true;
      case Phase::kAwaitingEntry:
        break;
    }
    std::optional<std::string> status = LoggedStatus(store_, id_);
    if (!status && std::chrono::system_clock::now() < entry_deadline_) {
      std::this_thread::sleep_for(kPollInterval);
      return KeepAlive(sink);
    }
    events = "event: end\ndata: " + status.value_or("unknown") + "\n\n";
    if (!Write(sink, events)) return false;
    sink.done();
    return true;
  }

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

  bool Write(httplib::DataSink& sink, const std::string& data) {
    if (!sink.write(data.data(), data.size())) return false;
    last_write_ = Clock::now();
    return true;
  }

  // Sends a comment when nothing was sent for a while: keeps proxies from timing the stream
  // out and finds clients that went away.
  bool KeepAlive(httplib::DataSink& sink) {
    if (Clock::now() - last_write_ < kKeepaliveInterval) return true;
    return Write(sink, ": keepalive\n\n");
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

// A log file served with a known length, read in chunks.
struct LogFile {
  UniqueFd fd;
  std::vector<char> buffer;
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
  server_ = std::make_unique<httplib::Server>();
  server_->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  // cpp-httplib sets SO_REUSEPORT by default, which lets a second listener share the port
  // (and split the requests between two logs). SO_REUSEADDR alone never admits a second
  // listener on Linux; it only allows a restart over connections in TIME_WAIT.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  Routes();
  const int bound =
      port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    server_.reset();
    return Error::Failed("cannot listen on " + host + ":" + std::to_string(port) +
                         " for the HTTP API: the port is in use or the address is not one of "
                         "this host; choose another address or port");
  }
  auto exited = std::make_shared<std::atomic<bool>>(false);
  httplib::Server* server = server_.get();
  thread_ = std::thread([server, exited] {
    server->listen_after_bind();
    *exited = true;
  });
  // Server::stop() does nothing until the server runs: wait for that so Stop() always works.
  while (!server->is_running() && !*exited) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  if (*exited) {
    thread_.join();
    server_.reset();
    return Error::Failed("the HTTP API on " + host + ":" + std::to_string(bound) +
                         " stopped at once; check the address and try again");
  }
  return bound;
}

void HttpApi::Stop() {
  if (!server_) return;
  server_->stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

void HttpApi::Routes() {
  httplib::Server& server = *server_;
  server.set_payload_max_length(kMaxPayload);
  server.set_keep_alive_timeout(2);
  server.set_default_headers(
      {{"X-Content-Type-Options", "nosniff"}, {"Referrer-Policy", "no-referrer"}});

  server.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    // One range at most: many (overlapping) ranges made a 3 KB request return 6 MB.
    if (req.ranges.size() > kMaxRanges) {
      // No body: cpp-httplib would repeat a body once per requested range.
      res.status = 416;
      res.set_header("Connection", "close");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (req.method == "GET" || req.method == "HEAD") {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    SetError(res, 405, "method " + req.method + " not allowed: this API is read-only (GET)");
    res.set_header("Allow", "GET, HEAD");
    res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });
  // Errors httplib makes itself (unknown paths, malformed requests) get a body too.
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty() || res.content_provider_ || res.status == 416) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        SetError(res, res.status,
                 res.status == 404
                     ? std::string("not found: see / for the builds, or /checkpoint and /tile/...")
                     : "the request failed with HTTP status " + std::to_string(res.status));
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
        SetError(res, 500, "internal error in the ledger's HTTP API; try again later");
      });

  // The page, with a Content-Security-Policy that allows its one script by hash.
  const std::string page = std::string(kWebPageHead) + "<script>" + std::string(kWebPageScript) +
                           "</script>" + std::string(kWebPageTail);
  const crypto::Sha256Digest script_hash = crypto::Sha256(AsBytes(kWebPageScript));
  const std::string csp = "default-src 'none'; script-src 'sha256-" + Base64Encode(script_hash) +
                          "'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; "
                          "form-action 'none'; frame-ancestors 'none'";
  server.Get("/", [page, csp](const httplib::Request&, httplib::Response& res) {
    res.set_header("Content-Security-Policy", csp);
    res.set_header("Cache-Control", kNoCache);
    res.set_content(page, "text/html; charset=utf-8");
  });

  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content("ok\n", kText);
  });

  server.Get("/checkpoint", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", kNoCache);
    res.set_content(store_.checkpoint(), kText);
  });

  server.Get(R"(/tile/.+)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string path = req.path.substr(1);  // "tile/..."
    auto tile = store_.ReadTile(path);
    if (!tile.ok()) {
      SetStoreError(res, tile.error());
      return;
    }
    // A full tile never changes; a partial one is replaced as the tree grows.
    const bool partial = path.find(".p/") != std::string::npos;
    res.set_header("Cache-Control", partial ? kNoCache : "public, max-age=31536000, immutable");
    res.set_content(reinterpret_cast<const char*>(tile->data()), tile->size(),
                    "application/octet-stream");
  });

  server.Get("/builds", [this](const httplib::Request&, httplib::Response& res) {
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
    res.set_header("Cache-Control", kNoCache);
    res.set_content(builds.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
  });

  // The ledger indexes of the signature records made for a build (the signer appends one
  // per signature), so a verifier can find and prove them.
  server.Get(R"(/builds/([^/]*)/signatures)",
             [this](const httplib::Request& req, httplib::Response& res) {
               const std::string id = req.matches[1];
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
               res.set_header("Cache-Control", kNoCache);
               res.set_content(indexes.dump(), "application/json");
             });

  server.Get(R"(/builds/([^/]*)/log)", [this](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.matches[1];
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
    res.set_header("Cache-Control", kNoCache);
    if (size == 0) {
      res.set_content("", kText);
      return;
    }
    auto file = std::make_shared<LogFile>(LogFile{std::move(*fd), {}});
    res.set_content_provider(
        static_cast<std::size_t>(size), kText,
        [file](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
          file->buffer.resize(std::min(length, kReadChunk));
          const ssize_t n =
              ReadAt(file->fd.get(), file->buffer.data(), file->buffer.size(), offset);
          if (n <= 0) return false;  // an error, or the file shrank
          return sink.write(file->buffer.data(), static_cast<std::size_t>(n));
        });
  });

  auto followers = std::make_shared<std::atomic<int>>(0);
  server.Get(R"(/builds/([^/]*)/live)", [this, followers](const httplib::Request& req,
                                                          httplib::Response& res) {
    const std::string id = req.matches[1];
    std::optional<UniqueFd> fd = OpenLog(logs_, id, res);
    if (!fd) return;
    if (++*followers > kMaxFollowers) {
      --*followers;
      SetError(res, 503, "too many live followers; try again later");
      res.set_header("Retry-After", "10");
      return;
    }
    auto follower = std::make_shared<LiveFollower>(logs_, store_, id, std::move(*fd), followers);
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [follower](std::size_t, httplib::DataSink& sink) { return follower->Step(sink); });
  });
}

}  // namespace vigil::ledger
