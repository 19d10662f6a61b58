#include "pg/log_migrate.h"

#include <unistd.h>

#include <system_error>

#include "base/file.h"
#include "crypto/secret.h"
#include "pg/lease.h"
#include "pg/log_storage.h"
#include "tlog/checkpoint.h"
#include "tlog/checkpoint_publisher.h"
#include "tlog/note.h"
#include "tlog/prove.h"

namespace vigil::pg {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kBatch = 4096;
constexpr std::uint64_t kMaxKeyFileSize = 4096;
constexpr auto kLeaseTtl = std::chrono::seconds(60);

// The directory holding the log's key: the log directory itself, or the key directory.
fs::path KeyDir(const LogLocation& location) {
  return location.database() ? location.key_dir : fs::path(location.where);
}

Status CopyKey(const fs::path& from, const fs::path& to) {
  for (const auto& [name, mode] : {std::pair{"log.key", 0600u}, std::pair{"log.vkey", 0644u}}) {
    auto bytes = ReadFile(from / name, kMaxKeyFileSize, /*allow_symlink=*/false);
    if (!bytes.ok()) {
      return bytes.error().WithContext(
          "the source's key (a moved log must stay appendable, so its log.key moves with it)");
    }
    Status written = CreateFileAtomic(to / name, *bytes, mode);
    crypto::Wipe(*bytes);
    VIGIL_RETURN_IF_ERROR(written);
  }
  return OkStatus();
}

Result<std::unique_ptr<tlog::LogStore>> OpenDatabase(const LogLocation& location,
                                                     std::int64_t epoch,
                                                     const tlog::EntryClassifier& classifier) {
  VIGIL_ASSIGN_OR_RETURN(tlog::LogStore::Backend backend,
                         OpenLogBackend({.url = location.where}, location.key_dir, epoch));
  return tlog::LogStore::OpenBackend(std::move(backend), classifier);
}

Result<std::unique_ptr<tlog::LogStore>> OpenSource(const LogLocation& from) {
  if (from.database()) {
    return OpenDatabase(from, 0, nullptr);
  }
  return tlog::LogStore::OpenReadOnly(from.where);
}

// The destination being made, and how to undo it.
struct Destination {
  LogLocation final_location;
  fs::path dir;  // a directory log: the temporary directory renamed at the end
  bool key_dir_created = false;
  bool lease_existed = false;
  bool tables_made = false;
  std::optional<Lease> lease;
  std::unique_ptr<Connection> lease_connection;
  std::unique_ptr<tlog::LogStore> store;

  void Undo() {
    store.reset();
    std::error_code ec;
    if (!final_location.database()) {
      fs::remove_all(dir, ec);
      return;
    }
    if (tables_made) {
      (void)DropLog({.url = final_location.where}, !lease_existed);
    }
    if (key_dir_created) {
      fs::remove_all(final_location.key_dir, ec);
    } else {
      fs::remove(final_location.key_dir / "log.key", ec);
      fs::remove(final_location.key_dir / "log.vkey", ec);
    }
  }
};

Status PrepareDirectory(const fs::path& source_key, const tlog::EntryClassifier& classifier,
                        Destination* out) {
  const fs::path target(out->final_location.where);
  std::error_code ec;
  if (fs::exists(target, ec)) {
    return Error::BadInput(target.string() + " exists: give a new directory for the log");
  }
  out->dir = target.parent_path() /
             ("." + target.filename().string() + ".migrating-" + std::to_string(::getpid()));
  fs::create_directories(out->dir / "tile", ec);
  if (ec) {
    return Error::Failed("cannot create " + out->dir.string() + ": " + ec.message());
  }
  VIGIL_RETURN_IF_ERROR(CopyKey(source_key, out->dir));
  VIGIL_ASSIGN_OR_RETURN(tlog::CheckpointPublisher publisher,
                         tlog::CheckpointPublisher::Open(out->dir));
  VIGIL_RETURN_IF_ERROR(publisher.Publish(0, tlog::EmptyRoot()).status());
  VIGIL_ASSIGN_OR_RETURN(out->store, tlog::LogStore::Open(out->dir, classifier));
  return OkStatus();
}

Status PrepareDatabase(const fs::path& source_key, const tlog::EntryClassifier& classifier,
                       Destination* out) {
  const LogLocation& to = out->final_location;
  const SessionSettings session{.url = to.where};
  VIGIL_ASSIGN_OR_RETURN(bool holds, HoldsLog(session));
  if (holds) {
    return Error::BadInput("the database " + RedactDatabaseUrl(to.where) +
                           " already holds a log: give an empty database");
  }
  std::error_code ec;
  if (fs::exists(to.key_dir, ec) && !fs::is_empty(to.key_dir, ec)) {
    return Error::BadInput(to.key_dir.string() +
                           " exists and is not empty: give a new directory for the log's key");
  }
  out->key_dir_created = fs::create_directories(to.key_dir, ec);
  VIGIL_RETURN_IF_ERROR(CopyKey(source_key, to.key_dir));
  VIGIL_ASSIGN_OR_RETURN(out->lease_connection, Connection::Open(session));
  VIGIL_ASSIGN_OR_RETURN(LeaseState before, [&]() -> Result<LeaseState> {
    auto state = ReadLease(*out->lease_connection);
    return state.ok() ? state : LeaseState{};
  }());
  out->lease_existed = before.lease.epoch > 0 || !before.lease.holder.empty();
  out->tables_made = true;
  VIGIL_RETURN_IF_ERROR(InitLogWithKey(session, to.key_dir));
  VIGIL_ASSIGN_OR_RETURN(out->lease,
                         AcquireLease(*out->lease_connection, "vigil log migrate", kLeaseTtl));
  VIGIL_ASSIGN_OR_RETURN(out->store, OpenDatabase(to, out->lease->epoch, classifier));
  return OkStatus();
}

Status CopyEntries(const tlog::LogStore& source, std::uint64_t size, Destination& to,
                   const std::function<void(std::uint64_t)>& progress) {
  for (std::uint64_t next = 0; next < size;) {
    std::vector<Bytes> batch;
    const std::uint64_t end = std::min(size, next + kBatch);
    for (std::uint64_t i = next; i < end; ++i) {
      VIGIL_ASSIGN_OR_RETURN(Bytes entry, source.ReadEntry(i));
      batch.push_back(std::move(entry));
    }
    VIGIL_RETURN_IF_ERROR(to.store->AppendBatch(batch).status());
    if (to.lease) {
      VIGIL_RETURN_IF_ERROR(RenewLease(*to.lease_connection, *to.lease, kLeaseTtl));
    }
    next = end;
    if (progress) {
      progress(next);
    }
  }
  return OkStatus();
}

// The root of the destination's first `size` entries, read back and hashed afresh.
Result<tlog::Hash> RecomputedRoot(const tlog::LogStore& copy, std::uint64_t size) {
  tlog::CompactRange range;
  for (std::uint64_t i = 0; i < size; ++i) {
    VIGIL_ASSIGN_OR_RETURN(Bytes entry, copy.ReadEntry(i));
    range.Append(tlog::LeafHash(entry), nullptr);
  }
  return range.Root();
}

Result<MigrateReport> Copy(const LogLocation& from, Destination& to,
                           const tlog::EntryClassifier& classifier,
                           const std::function<void(std::uint64_t)>& progress) {
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<tlog::LogStore> source, OpenSource(from));
  VIGIL_ASSIGN_OR_RETURN(tlog::NoteVerifier verifier,
                         tlog::NoteVerifier::Parse(source->verifier_key()));
  const std::string note = source->checkpoint();
  VIGIL_ASSIGN_OR_RETURN(tlog::Checkpoint checkpoint,
                         tlog::OpenCheckpoint(note, verifier, source->origin()));
  if (to.final_location.database()) {
    VIGIL_RETURN_IF_ERROR(PrepareDatabase(KeyDir(from), classifier, &to));
  } else {
    VIGIL_RETURN_IF_ERROR(PrepareDirectory(KeyDir(from), classifier, &to));
  }
  VIGIL_RETURN_IF_ERROR(CopyEntries(*source, checkpoint.size, to, progress));
  VIGIL_ASSIGN_OR_RETURN(tlog::Hash root, RecomputedRoot(*to.store, checkpoint.size));
  if (root != checkpoint.root || to.store->size() != checkpoint.size) {
    return Error::Failed("the copy's root differs from the source's signed checkpoint (size " +
                         std::to_string(checkpoint.size) + "): nothing was kept");
  }
  return MigrateReport{source->origin(), checkpoint.size, root};
}

}  // namespace

bool LogLocation::database() const {
  return where.starts_with("postgresql://") || where.starts_with("postgres://");
}

Result<MigrateReport> MigrateLog(const LogLocation& from, const LogLocation& to,
                                 const tlog::EntryClassifier& classifier,
                                 const std::function<void(std::uint64_t)>& progress) {
  for (const LogLocation* location : {&from, &to}) {
    if (location->database()) {
      VIGIL_RETURN_IF_ERROR(CheckDatabaseUrl(location->where));
      if (location->key_dir.empty()) {
        return Error::BadInput("a log in a database keeps its key in a directory: give it");
      }
    }
  }
  Destination destination{.final_location = to};
  auto report = Copy(from, destination, classifier, progress);
  if (!report.ok()) {
    destination.Undo();
    return report.error();
  }
  if (destination.lease) {
    (void)ReleaseLease(*destination.lease_connection, *destination.lease);
  }
  destination.store.reset();
  if (!to.database()) {
    std::error_code ec;
    fs::rename(destination.dir, to.where, ec);
    if (ec) {
      destination.Undo();
      return Error::Failed("cannot move the copy into " + to.where + ": " + ec.message());
    }
  }
  return report;
}

}  // namespace vigil::pg
