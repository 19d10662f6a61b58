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
  std::uint64_t durable = 0;  // lines known to be on disk (and in the archive)
  // With an archive: the text written since the archive last took this build's text.
  std::string unarchived;
  std::uint64_t unarchived_lines = 0;
  std::uint64_t archived_bytes = 0, archived_lines = 0;
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

BuildLogs::BuildLogs(fs::path dir, std::unique_ptr<pg::BuildLogTable> archive)
    : dir_(std::move(dir)), archive_(std::move(archive)) {}

Result<std::unique_ptr<BuildLogs>> BuildLogs::Open(const fs::path& dir,
                                                   std::unique_ptr<pg::BuildLogTable> archive) {
  std::error_code ec;
  fs::create_directories(dir / "logs", ec);
  if (ec) {
    return Error::Failed("cannot create " + (dir / "logs").string() + ": " + ec.message());
  }
  std::unique_ptr<BuildLogs> logs(new BuildLogs(dir / "logs", std::move(archive)));
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

Status BuildLogs::Start(const std::string& id, const std::string& meta) {
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
  // The archive refuses an id another ledger sharing it used; then the meta. A failure
  // leaves nothing of the build here.
  fs::path meta_path = LogPath(id);
  meta_path.replace_extension(".meta");
  Status registered = archive_ ? archive_->Start(id, meta) : OkStatus();
  if (registered.ok()) registered = WriteFileAtomic(meta_path, AsBytes(meta));
  if (registered.ok()) registered = FsyncDirectory(dir_);
  if (!registered.ok()) {
    {
      std::lock_guard lock(mutex_);
      running_.erase(id);
    }
    std::error_code ec;
    fs::remove(LogPath(id), ec);
    fs::remove(meta_path, ec);
  }
  return registered;
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
    if (archive_) {
      build->unarchived += text;
      build->unarchived_lines += raw.size();
    }
  }
  changed_.notify_all();
  return lines;
}

Result<std::uint64_t> BuildLogs::Sync(const std::string& id) {
  auto build = Find(id);
  if (!build) {
    return Error::Failed("build " + id + " is not streaming");
  }
  VIGIL_RETURN_IF_ERROR(MakeDurable({build}));
  std::lock_guard lock(mutex_);
  return build->durable;
}

Status BuildLogs::MakeDurable(const std::vector<std::shared_ptr<Build>>& builds) {
  // A build whose file cannot be synced keeps its lines unacknowledged; the others go on.
  Status failed;
  std::vector<std::pair<std::shared_ptr<Build>, std::uint64_t>> synced;
  for (const auto& build : builds) {
    std::uint64_t lines;
    {
      std::lock_guard lock(mutex_);
      lines = build->lines;
    }
    std::lock_guard sync_lock(build->sync_mutex);
    if (build->fd.get() >= 0 && ::fdatasync(build->fd.get()) != 0) {
      if (failed.ok()) {
        failed = Error::Failed("cannot sync the log of build " + build->id + ": " + ErrnoText());
      }
      continue;
    }
    synced.emplace_back(build, lines);
  }
  if (archive_) {
    std::vector<std::shared_ptr<Build>> to_store;
    for (const auto& [build, lines] : synced) to_store.push_back(build);
    Status stored = StoreInArchive(to_store);
    return failed.ok() ? stored : failed;
  }
  std::lock_guard lock(mutex_);
  for (const auto& [build, lines] : synced) build->durable = std::max(build->durable, lines);
  return failed;
}

Status BuildLogs::StoreInArchive(const std::vector<std::shared_ptr<Build>>& builds) {
  std::lock_guard archive_lock(archive_mutex_);
  std::vector<pg::BuildLogTable::Chunk> chunks;
  std::vector<std::shared_ptr<Build>> stored;
  {
    std::lock_guard lock(mutex_);
    for (const auto& build : builds) {
      if (build->unarchived.empty()) continue;
      chunks.push_back({build->id, build->archived_bytes, build->unarchived_lines,
                        std::move(build->unarchived)});
      build->unarchived.clear();
      build->unarchived_lines = 0;
      stored.push_back(build);
    }
  }
  Status done = archive_->Store(chunks);
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < stored.size(); ++i) {
    Build& build = *stored[i];
    if (!done.ok()) {  // kept, in order, for the next try
      build.unarchived.insert(0, chunks[i].text);
      build.unarchived_lines += chunks[i].lines;
      continue;
    }
    build.archived_bytes += chunks[i].text.size();
    build.archived_lines += chunks[i].lines;
    build.durable = std::max(build.durable, build.archived_lines);
  }
  return done;
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
  Status synced = MakeDurable({build});
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
  // A build whose text did not all reach the archive stays running there until the next
  // sequencer ends it truncated; the caller logs it truncated too, on this error.
  VIGIL_RETURN_IF_ERROR(synced);
  if (archive_) return archive_->Finish(id, BuildStateName(state));
  return OkStatus();
}

void BuildLogs::SyncLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    stop_.wait_for(lock, kSyncInterval, [this] { return stopping_; });
    std::vector<std::shared_ptr<Build>> dirty;
    for (const auto& [id, build] : running_) {
      if (build->durable < build->lines) dirty.push_back(build);
    }
    lock.unlock();
    // A failure is tried again at the next interval; the lines stay unacknowledged.
    if (!dirty.empty()) (void)MakeDurable(dirty);
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

Status BuildLogs::RestoreText(const std::string& id, const std::string& meta) {
  const fs::path path = LogPath(id);
  fs::path temporary = path;
  temporary += ".restoring";
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) {
    return Error::Failed("cannot restore the log of build " + id + ": " + ErrnoText());
  }
  Status written =
      archive_->ReadText(id, [&](ByteView text) { return WriteAll(fd.get(), AsText(text)); });
  if (written.ok() && ::fdatasync(fd.get()) != 0) {
    written = Error::Failed("cannot sync the restored log of build " + id + ": " + ErrnoText());
  }
  fd = UniqueFd(-1);
  std::error_code ec;
  if (written.ok()) fs::rename(temporary, path, ec);
  if (!written.ok() || ec) {
    fs::remove(temporary, ec);
    return written.ok() ? Error::Failed("cannot restore the log of build " + id) : written;
  }
  fs::path meta_path = path;
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(meta_path.replace_extension(".meta"), AsBytes(meta)));
  return FsyncDirectory(dir_);
}

Result<std::vector<std::string>> BuildLogs::RestoreRunning() {
  std::vector<std::string> restored;
  if (!archive_) return restored;
  VIGIL_ASSIGN_OR_RETURN(std::vector<pg::BuildLogTable::Build> running, archive_->Running());
  for (const pg::BuildLogTable::Build& build : running) {
    if (CheckBuildId(build.id).ok() && !Find(build.id)) {
      VIGIL_RETURN_IF_ERROR(RestoreText(build.id, build.meta));
      restored.push_back(build.id);
    }
  }
  return restored;
}

Status BuildLogs::ReplaceStale() {
  if (!archive_) return OkStatus();
  VIGIL_ASSIGN_OR_RETURN(std::vector<pg::BuildLogTable::Build> known,
                         archive_->FindMany(Orphans({})));
  for (const pg::BuildLogTable::Build& build : known) {
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(LogPath(build.id), ec);
    if (build.state == BuildStateName(BuildState::kRunning) || (!ec && size == build.bytes)) {
      continue;
    }
    VIGIL_RETURN_IF_ERROR(RestoreText(build.id, build.meta));
  }
  return OkStatus();
}

Status BuildLogs::MarkTruncated(const std::string& id) {
  if (!archive_) return OkStatus();
  return archive_->Finish(id, BuildStateName(BuildState::kTruncated));
}

Result<bool> BuildLogs::RestoreFinished(const std::string& id) {
  if (!archive_ || !CheckBuildId(id).ok() || fs::exists(LogPath(id))) return false;
  VIGIL_ASSIGN_OR_RETURN(std::vector<pg::BuildLogTable::Build> found, archive_->FindMany({id}));
  if (found.empty() || found.front().state == BuildStateName(BuildState::kRunning)) return false;
  VIGIL_RETURN_IF_ERROR(RestoreText(id, found.front().meta));
  return true;
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
