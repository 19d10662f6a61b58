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
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/base64.h"
#include "base/bytes.h"
#include "base/unique_fd.h"
#include "crypto/hash.h"
#include "http/server.h"
#include "ledger/live_follower.h"
#include "ledger/log_file.h"
#include "ledger/web_page.h"
#include "provenance/build_log_entry.h"
#include "tlog/tile.h"

namespace vigil::ledger {
namespace {

using std::chrono::milliseconds;

constexpr const char* kBuildLogKind = "build-log";
// Live followers allowed at once (each is a connection held for as long as it follows).
constexpr int kMaxFollowers = 48;
// /builds: at most this many builds, and stops adding logged ones past this many bytes.
constexpr std::size_t kMaxBuilds = 1000;
constexpr std::size_t kMaxBuildsBytes = 8 << 20;
// A waiting follower looks for new lines this often.
constexpr milliseconds kPollInterval{200};

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
  // A build another ledger sharing the log finished: its text is in the archive. Failing to
  // fetch it is as if it were not there (404).
  (void)logs.RestoreFinished(id);
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

// A logged build as /builds lists it: the entry's own members, as the codec writes them.
nlohmann::json BuildJson(const provenance::LoggedBuild& build) {
  return nlohmann::json::parse(AsText(provenance::SerializeBuildLogEntry(build)));
}

// The page, with a Content-Security-Policy that allows its one script by hash.
http::Handler PageHandler() {
  std::string page = std::string(kWebPageHead) + "<script>" + std::string(kWebPageScript) +
                     "</script>" + std::string(kWebPageTail);
  const crypto::Sha256Digest script_hash = crypto::Sha256(AsBytes(kWebPageScript));
  std::string csp = "default-src 'none'; script-src 'sha256-" + Base64Encode(script_hash) +
                    "'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; "
                    "form-action 'none'; frame-ancestors 'none'";
  return [page = std::move(page), csp = std::move(csp)](const http::Request&, http::Response& res) {
    res.SetHeader("Content-Security-Policy", csp);
    res.SetHeader("Cache-Control", kNoCache);
    res.SetContent(page, "text/html; charset=utf-8");
  };
}

void ServeHealth(const http::Request&, http::Response& res) {
  res.SetHeader("Cache-Control", "no-store");
  res.SetContent("ok\n", kText);
}

void ServeStandbyHealth(const http::Request&, http::Response& res) {
  res.SetHeader("Cache-Control", "no-store");
  SetError(res, 503, "standby: this ledger serves reads; another one sequences");
}

}  // namespace

HttpApi::HttpApi(tlog::LogStore& store, BuildLogs& logs) : store_(store), logs_(logs) {}

HttpApi::~HttpApi() { Stop(); }

void HttpApi::ServeAsStandby(std::function<void()> follow) { follow_ = std::move(follow); }

void HttpApi::Follow() {
  if (follow_) follow_();
}

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
  followers_ = std::make_shared<std::atomic<int>>(0);
  server.Get("/", PageHandler());
  if (follow_) {
    server.Get("/healthz", ServeStandbyHealth);
  } else {
    server.Get("/healthz", ServeHealth);
  }
  server.Get("/checkpoint", [this](const http::Request&, http::Response& res) {
    Follow();
    ServeCheckpoint(res);
  });
  server.GetPrefix("/tile/", [this](const http::Request& req, http::Response& res) {
    Follow();
    ServeTile(req.path, res);
  });
  server.Get("/builds", [this](const http::Request&, http::Response& res) {
    Follow();
    ListBuilds(res);
  });
  server.GetPrefix("/builds/", [this](const http::Request& req, http::Response& res) {
    Follow();
    ServeBuild(req.path, res);
  });
}

void HttpApi::ServeCheckpoint(http::Response& res) {
  res.SetHeader("Cache-Control", kNoCache);
  res.SetContent(store_.checkpoint(), kText);
}

void HttpApi::ServeTile(const std::string& request_path, http::Response& res) {
  const std::string path = request_path.substr(1);  // "tile/..."
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
}

// /builds/<ID>/log, /builds/<ID>/live, /builds/<ID>/signatures.
void HttpApi::ServeBuild(const std::string& request_path, http::Response& res) {
  std::string_view rest = std::string_view(request_path).substr(8);
  const std::size_t slash = rest.find('/');
  const std::string id(rest.substr(0, slash));
  const std::string_view what = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (what == "/log") {
    ServeLog(id, res);
  } else if (what == "/live") {
    FollowLog(id, res);
  } else if (what == "/signatures") {
    ListSignatures(id, res);
  } else {
    SetError(res, 404, "not found: see / for the builds, or /checkpoint and /tile/...");
  }
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
    Result<provenance::LoggedBuild> build = provenance::ParseBuildLogEntry(*entry);
    if (!build.ok()) continue;
    bytes += entry->size();
    if (bytes > kMaxBuildsBytes) break;
    nlohmann::json item = BuildJson(*build);
    item["index"] = index;
    builds.push_back(std::move(item));
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
    out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(size - *offset, kLogReadChunk)));
    const ssize_t n = ReadAt(file->get(), out.data(), out.size(), *offset);
    if (n <= 0) return http::StreamStep::kFail;  // an error, or the file shrank
    out.resize(static_cast<std::size_t>(n));
    *offset += static_cast<std::uint64_t>(n);
    return *offset >= size ? http::StreamStep::kDone : http::StreamStep::kData;
  };
}

void HttpApi::FollowLog(const std::string& id, http::Response& res) {
  std::optional<UniqueFd> fd = OpenLog(logs_, id, res);
  if (!fd) return;
  if (++*followers_ > kMaxFollowers) {
    --*followers_;
    SetError(res, 503, "too many live followers; try again later");
    res.SetHeader("Retry-After", "10");
    return;
  }
  auto follower = std::make_shared<LiveFollower>(logs_, store_, id, std::move(*fd), followers_);
  res.SetHeader("Cache-Control", "no-store");
  res.SetHeader("X-Accel-Buffering", "no");
  res.SetHeader("Content-Type", "text/event-stream");
  res.stream = [follower](std::string& out) { return follower->Step(out); };
}

}  // namespace vigil::ledger
