#include "ledger/build_logs.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/file.h"
#include "base/time.h"

namespace vigil::ledger {

struct BuildLogs::Build {
  std::string id;
  UniqueFd fd{-1};
  std::uint64_t lines = 0;    // written to the file
  std::uint64_t bytes = 0;    // the file's size
  std::uint64_t durable = 0;  // lines known to be on disk
  BuildState state = BuildState::kRunning;
  std::mutex sync_mutex;  // held while fdatasync runs or the file is closed
};

namespace {

constexpr std::size_t kMaxBuildIdLength = 128;

std::string ErrnoText() { return std::strerror(errno); }

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return Error::Failed(std::string("cannot write a build log: ") + ErrnoText());
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return OkStatus();
}

}  // namespace

Status CheckBuildId(std::string_view id) {
  const bool valid_chars =
      id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
      std::string_view::npos;
  if (id.empty() || id.size() > kMaxBuildIdLength || !valid_chars || id.front() == '.' ||
      id.front() == '-') {
    return Error::BadInput("invalid build id '" + std::string(id.substr(0, kMaxBuildIdLength)) +
                           "': use 1-128 of A-Z a-z 0-9 . _ -, not starting with . or -");
  }
  return OkStatus();
}

std::string SanitizeLine(std::string_view raw) {
  if (!raw.empty() && raw.back() == '\r') {
    raw.remove_suffix(1);
  }
  const std::size_t kept = std::min(raw.size(), kMaxLineLength);
  std::string out;
  out.reserve(kept + 40);
  for (std::size_t i = 0; i < kept; ++i) {
    const unsigned char c = static_cast<unsigned char>(raw[i]);
    out.push_back((c >= 0x20 && c < 0x7f) || c == '\t' ? static_cast<char>(c) : '.');
  }
  if (raw.size() > kept) {
    out += " [vigil: line cut, " + std::to_string(raw.size() - kept) + " more bytes dropped]";
  }
  return out;
}

std::string UtcTimestamp(std::chrono::system_clock::time_point when) {
  return FormatRfc3339Utc(when, SubSecond::kMicros);
}

const char* BuildStateName(BuildState state) {
  switch (state) {
    case BuildState::kRunning:
      return "running";
    case BuildState::kClosed:
      return "closed";
    case BuildState::kTruncated:
      return "truncated";
  }
  return "unknown";
}

BuildLogs::BuildLogs(fs::path dir) : dir_(std::move(dir)) {}

Result<std::unique_ptr<BuildLogs>> BuildLogs::Open(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir / "logs", ec);
  if (ec) {
    return Error::Failed("cannot create " + (dir / "logs").string() + ": " + ec.message());
  }
  std::unique_ptr<BuildLogs> logs(new BuildLogs(dir / "logs"));
  logs->syncer_ = std::thread([raw = logs.get()] { raw->SyncLoop(); });
  return logs;
}

BuildLogs::~BuildLogs() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
  if (syncer_.joinable()) syncer_.join();
}

fs::path BuildLogs::LogPath(const std::string& id) const { return dir_ / (id + ".log"); }

std::shared_ptr<BuildLogs::Build> BuildLogs::Find(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto found = running_.find(id);
  return found == running_.end() ? nullptr : found->second;
}

Status BuildLogs::Start(const std::string& id) {
  VIGIL_RETURN_IF_ERROR(CheckBuildId(id));
  auto build = std::make_shared<Build>();
  build->id = id;
  {
    std::lock_guard lock(mutex_);
    if (running_.count(id) != 0) {
      return Error::Failed("build " + id + " is already streaming: build ids are used once");
    }
    build->fd =
        UniqueFd(::open(LogPath(id).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (build->fd.get() < 0) {
      if (errno == EEXIST) {
        return Error::Failed("build " + id + " has a log already: build ids are used once");
      }
      return Error::Failed("cannot create the log of build " + id + ": " + ErrnoText());
    }
    running_[id] = build;
  }
  return FsyncDirectory(dir_);
}

Result<std::uint64_t> BuildLogs::AppendLines(const std::string& id,
                                             std::span<const std::string_view> raw) {
  auto build = Find(id);
  if (!build) {
    return Error::Failed("build " + id + " is not streaming");
  }
  const std::string stamp = UtcTimestamp(std::chrono::system_clock::now()) + " ";
  std::string text;
  for (std::string_view line : raw) {
    text += stamp;
    text += SanitizeLine(line);
    text += '\n';
  }
  VIGIL_RETURN_IF_ERROR(WriteAll(build->fd.get(), text));
  std::uint64_t lines;
  {
    std::lock_guard lock(mutex_);
    build->lines += raw.size();
    lines = build->lines;
    build->bytes += text.size();
  }
  changed_.notify_all();
  return lines;
}

Result<std::uint64_t> BuildLogs::Sync(const std::string& id) {
  auto build = Find(id);
  if (!build) {
    return Error::Failed("build " + id + " is not streaming");
  }
  std::uint64_t lines;
  {
    std::lock_guard lock(mutex_);
    lines = build->lines;
  }
  std::lock_guard sync_lock(build->sync_mutex);
  if (::fdatasync(build->fd.get()) != 0) {
    return Error::Failed("cannot sync the log of build " + id + ": " + ErrnoText());
  }
  std::lock_guard lock(mutex_);
  build->durable = std::max(build->durable, lines);
  return build->durable;
}

std::uint64_t BuildLogs::DurableLines(const std::string& id) {
  auto build = Find(id);
  std::lock_guard lock(mutex_);
  return build ? build->durable : 0;
}

Status BuildLogs::Finish(const std::string& id, BuildState state) {
  auto build = Find(id);
  if (!build) {
    return Error::Failed("build " + id + " is not streaming");
  }
  Result<std::uint64_t> synced = Sync(id);
  {
    std::lock_guard sync_lock(build->sync_mutex);
    build->fd = UniqueFd(-1);
  }
  {
    std::lock_guard lock(mutex_);
    build->state = state;
    running_.erase(id);
  }
  changed_.notify_all();
  return synced.status();
}

void BuildLogs::SyncLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    stop_.wait_for(lock, kSyncInterval, [this] { return stopping_; });
    std::vector<std::pair<std::shared_ptr<Build>, std::uint64_t>> dirty;
    for (const auto& [id, build] : running_) {
      if (build->durable < build->lines) {
        dirty.emplace_back(build, build->lines);
      }
    }
    lock.unlock();
    for (auto& [build, lines] : dirty) {
      std::lock_guard sync_lock(build->sync_mutex);
      if (build->fd.get() >= 0 && ::fdatasync(build->fd.get()) == 0) {
        std::lock_guard relock(mutex_);
        build->durable = std::max(build->durable, lines);
      }
    }
    lock.lock();
  }
}

std::vector<std::string> BuildLogs::Orphans(const std::vector<std::string>& known_ids) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& file : fs::directory_iterator(dir_, ec)) {
    const std::string name = file.path().filename().string();
    if (name.size() <= 4 || name.substr(name.size() - 4) != ".log") continue;
    const std::string id = name.substr(0, name.size() - 4);
    if (!CheckBuildId(id).ok()) continue;
    if (std::find(known_ids.begin(), known_ids.end(), id) == known_ids.end()) {
      out.push_back(id);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<BuildSummary> BuildLogs::Running(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto found = running_.find(id);
  if (found == running_.end()) return std::nullopt;
  return BuildSummary{id, found->second->state, found->second->lines};
}

std::vector<BuildSummary> BuildLogs::RunningBuilds() {
  std::lock_guard lock(mutex_);
  std::vector<BuildSummary> out;
  for (const auto& [id, build] : running_) {
    out.push_back({id, build->state, build->lines});
  }
  return out;
}

bool BuildLogs::WaitForGrowth(const std::string& id, std::uint64_t size,
                              std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  auto found = running_.find(id);
  if (found == running_.end()) return false;
  std::shared_ptr<Build> build = found->second;
  changed_.wait_for(lock, timeout, [&] {
    return build->bytes > size || build->state != BuildState::kRunning || stopping_;
  });
  return build->state == BuildState::kRunning && !stopping_;
}

}  // namespace vigil::ledger
