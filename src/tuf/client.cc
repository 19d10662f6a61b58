#include "tuf/client.h"

#include <algorithm>
#include <filesystem>

#include "base/hex.h"
#include "base/time.h"
#include "crypto/hash.h"

namespace vigil::tuf {
namespace {

// Bounds for files whose length nothing names (root, timestamp) and defaults for those a
// snapshot may leave unnamed.
constexpr std::size_t kMaxRootBytes = 512 * 1024;
constexpr std::size_t kMaxTimestampBytes = 64 * 1024;
constexpr std::size_t kMaxSnapshotBytes = 4 * 1024 * 1024;
constexpr std::uint64_t kMaxRootUpdates = 1024;

std::string Time(std::int64_t seconds) { return FormatRfc3339UtcSeconds(seconds); }

Status CheckFresh(std::string_view role, std::int64_t expires, std::int64_t now) {
  if (expires <= now) {
    return Error::Failed("freeze: " + std::string(role) + " expired at " + Time(expires));
  }
  return OkStatus();
}

Result<std::string> Required(const Result<std::optional<Bytes>>& fetched, const std::string& path) {
  if (!fetched.ok()) return fetched.error().WithContext(path);
  if (!fetched->has_value()) return Error::Failed(path + " is missing from the repository");
  return std::string(AsText(**fetched));
}

// The length and hashes snapshot or timestamp names for a file, when it names them.
Status CheckMetaFile(const MetaFile& meta, const std::string& text, const std::string& path) {
  if (meta.length && *meta.length != text.size()) {
    return Error::Failed("mix-and-match: " + path + " is " + std::to_string(text.size()) +
                         " bytes, not the " + std::to_string(*meta.length) + " listed");
  }
  auto sha256 = meta.hashes.find("sha256");
  if (sha256 != meta.hashes.end()) {
    const crypto::Sha256Digest actual = crypto::Sha256(AsBytes(text));
    if (Bytes(actual.begin(), actual.end()) != sha256->second) {
      return Error::Failed("mix-and-match: " + path + " is not the file listed (sha256)");
    }
  }
  return OkStatus();
}

std::size_t Bound(const MetaFile& meta, std::size_t fallback) {
  return meta.length ? static_cast<std::size_t>(*meta.length) : fallback;
}

}  // namespace

Client::Client(Fetch fetch, TrustedState state, std::int64_t now)
    : fetch_(std::move(fetch)), state_(std::move(state)), now_(now) {}

Status Client::Refresh() {
  VIGIL_RETURN_IF_ERROR(UpdateRoot());
  VIGIL_RETURN_IF_ERROR(UpdateTimestamp());
  VIGIL_RETURN_IF_ERROR(UpdateSnapshot());
  VIGIL_ASSIGN_OR_RETURN(targets_, LoadTargets("targets", root_.keys, root_.roles.at("targets")));
  return OkStatus();
}

Status Client::UpdateRoot() {
  VIGIL_ASSIGN_OR_RETURN(SignedFile<Root> trusted, ReadRoot(state_.root));
  Status self = VerifyThreshold("root", trusted.signed_bytes, trusted.signatures, trusted.role.keys,
                                trusted.role.roles.at("root"));
  if (!self.ok()) return self.error().WithContext("the trusted root");
  root_ = std::move(trusted.role);
  const RoleKeys first_timestamp = root_.roles.at("timestamp");
  const RoleKeys first_snapshot = root_.roles.at("snapshot");
  for (std::uint64_t i = 0; i < kMaxRootUpdates; ++i) {
    const std::string path = "metadata/" + std::to_string(root_.version + 1) + ".root.json";
    Result<std::optional<Bytes>> fetched = fetch_(path, kMaxRootBytes);
    if (!fetched.ok()) return fetched.error().WithContext(path);
    if (!fetched->has_value()) break;
    const std::string text(AsText(**fetched));
    VIGIL_ASSIGN_OR_RETURN(SignedFile<Root> next, ReadRoot(text));
    // Signed by the old root's threshold and by the new root's own.
    VIGIL_RETURN_IF_ERROR(VerifyThreshold("threshold: " + path + " by the old root",
                                          next.signed_bytes, next.signatures, root_.keys,
                                          root_.roles.at("root")));
    VIGIL_RETURN_IF_ERROR(VerifyThreshold("threshold: " + path + " by itself", next.signed_bytes,
                                          next.signatures, next.role.keys,
                                          next.role.roles.at("root")));
    if (next.role.version != root_.version + 1) {
      return Error::Failed("rollback: " + path + " holds version " +
                           std::to_string(next.role.version));
    }
    root_ = std::move(next.role);
    state_.root = text;
  }
  VIGIL_RETURN_IF_ERROR(CheckFresh("root", root_.expires, now_));
  // New timestamp or snapshot keys: what was trusted under the old ones is dropped.
  if (root_.roles.at("timestamp") != first_timestamp) state_.timestamp.reset();
  if (root_.roles.at("snapshot") != first_snapshot) state_.snapshot.reset();
  return OkStatus();
}

Status Client::UpdateTimestamp() {
  const std::string path = "metadata/timestamp.json";
  VIGIL_ASSIGN_OR_RETURN(std::string text, Required(fetch_(path, kMaxTimestampBytes), path));
  VIGIL_ASSIGN_OR_RETURN(SignedFile<Timestamp> next, ReadTimestamp(text));
  VIGIL_RETURN_IF_ERROR(VerifyThreshold("threshold: timestamp", next.signed_bytes, next.signatures,
                                        root_.keys, root_.roles.at("timestamp")));
  if (state_.timestamp) {
    VIGIL_ASSIGN_OR_RETURN(SignedFile<Timestamp> trusted, ReadTimestamp(*state_.timestamp));
    if (next.role.version < trusted.role.version) {
      return Error::Failed("rollback: timestamp version " + std::to_string(next.role.version) +
                           " is lower than the trusted " + std::to_string(trusted.role.version));
    }
    if (next.role.snapshot.version < trusted.role.snapshot.version) {
      return Error::Failed("rollback: the timestamp names snapshot version " +
                           std::to_string(next.role.snapshot.version) +
                           ", lower than the trusted " +
                           std::to_string(trusted.role.snapshot.version));
    }
  }
  VIGIL_RETURN_IF_ERROR(CheckFresh("timestamp", next.role.expires, now_));
  timestamp_ = std::move(next.role);
  state_.timestamp = text;
  return OkStatus();
}

Status Client::UpdateSnapshot() {
  const MetaFile& listed = timestamp_->snapshot;
  const std::string path = "metadata/" + std::to_string(listed.version) + ".snapshot.json";
  VIGIL_ASSIGN_OR_RETURN(std::string text,
                         Required(fetch_(path, Bound(listed, kMaxSnapshotBytes)), path));
  VIGIL_RETURN_IF_ERROR(CheckMetaFile(listed, text, path));
  VIGIL_ASSIGN_OR_RETURN(SignedFile<Snapshot> next, ReadSnapshot(text));
  VIGIL_RETURN_IF_ERROR(VerifyThreshold("threshold: snapshot", next.signed_bytes, next.signatures,
                                        root_.keys, root_.roles.at("snapshot")));
  if (next.role.version != listed.version) {
    return Error::Failed("mix-and-match: " + path + " holds version " +
                         std::to_string(next.role.version));
  }
  if (state_.snapshot) {
    VIGIL_ASSIGN_OR_RETURN(SignedFile<Snapshot> trusted, ReadSnapshot(*state_.snapshot));
    for (const auto& [name, meta] : trusted.role.meta) {
      auto now = next.role.meta.find(name);
      if (now == next.role.meta.end() || now->second.version < meta.version) {
        return Error::Failed("rollback: the snapshot drops or lowers " + name);
      }
    }
  }
  VIGIL_RETURN_IF_ERROR(CheckFresh("snapshot", next.role.expires, now_));
  snapshot_ = std::move(next.role);
  state_.snapshot = text;
  return OkStatus();
}

Result<Targets> Client::LoadTargets(const std::string& role, const std::map<std::string, Key>& keys,
                                    const RoleKeys& role_keys) {
  auto listed = snapshot_->meta.find(role + ".json");
  if (listed == snapshot_->meta.end()) {
    return Error::Failed("mix-and-match: the snapshot does not list " + role + ".json");
  }
  const std::string path =
      "metadata/" + std::to_string(listed->second.version) + "." + role + ".json";
  VIGIL_ASSIGN_OR_RETURN(std::string text,
                         Required(fetch_(path, Bound(listed->second, kMaxMetadataBytes)), path));
  VIGIL_RETURN_IF_ERROR(CheckMetaFile(listed->second, text, path));
  VIGIL_ASSIGN_OR_RETURN(SignedFile<Targets> targets, ReadTargets(text));
  VIGIL_RETURN_IF_ERROR(VerifyThreshold("threshold: " + role, targets.signed_bytes,
                                        targets.signatures, keys, role_keys));
  if (targets.role.version != listed->second.version) {
    return Error::Failed("mix-and-match: " + path + " holds version " +
                         std::to_string(targets.role.version));
  }
  VIGIL_RETURN_IF_ERROR(CheckFresh(role, targets.role.expires, now_));
  return std::move(targets.role);
}

Result<ResolvedTarget> Client::Find(const std::string& path) {
  if (!targets_) return Error::Failed("refresh the client before looking for targets");
  if (auto direct = targets_->targets.find(path); direct != targets_->targets.end()) {
    return ResolvedTarget{.path = path, .role = "targets", .file = direct->second};
  }
  if (!targets_->delegations) return Error::Failed(path + " is not in the repository");
  for (const DelegatedRole& role : targets_->delegations->roles) {
    const bool matches =
        std::any_of(role.paths.begin(), role.paths.end(),
                    [&](const std::string& pattern) { return PathMatches(pattern, path); });
    if (!matches) continue;
    if (!delegated_.contains(role.name)) {
      VIGIL_ASSIGN_OR_RETURN(delegated_[role.name],
                             LoadTargets(role.name, targets_->delegations->keys, role.keys));
    }
    const Targets& listed = delegated_.at(role.name);
    if (auto found = listed.targets.find(path); found != listed.targets.end()) {
      return ResolvedTarget{.path = path, .role = role.name, .file = found->second};
    }
    if (role.terminating) break;
  }
  return Error::Failed(path + " is not in the repository");
}

Result<std::vector<ResolvedTarget>> Client::ListRole(const std::string& role) {
  if (!targets_ || !targets_->delegations) return Error::Failed("no delegations to list");
  for (const DelegatedRole& delegated : targets_->delegations->roles) {
    if (delegated.name != role) continue;
    if (!delegated_.contains(role)) {
      VIGIL_ASSIGN_OR_RETURN(delegated_[role],
                             LoadTargets(role, targets_->delegations->keys, delegated.keys));
    }
    std::vector<ResolvedTarget> out;
    for (const auto& entry : delegated_.at(role).targets) {
      // A listed path outside the delegation's patterns is not the role's to vouch for.
      const std::string& path = entry.first;
      const bool allowed =
          std::any_of(delegated.paths.begin(), delegated.paths.end(),
                      [&](const std::string& pattern) { return PathMatches(pattern, path); });
      if (allowed) out.push_back({.path = path, .role = role, .file = entry.second});
    }
    return out;
  }
  return Error::Failed("the targets role delegates nothing named " + role);
}

Result<Bytes> Client::Download(const ResolvedTarget& target) {
  const auto sha256 = target.file.hashes.find("sha256");
  if (sha256 == target.file.hashes.end()) return Error::Failed(target.path + " has no sha256");
  const std::filesystem::path path(target.path);
  const std::string stored = "targets/" + path.parent_path().string() + "/" +
                             HexEncode(sha256->second) + "." + path.filename().string();
  VIGIL_ASSIGN_OR_RETURN(
      std::string text,
      Required(fetch_(stored, static_cast<std::size_t>(target.file.length)), stored));
  const Bytes bytes(text.begin(), text.end());
  if (bytes.size() != target.file.length) {
    return Error::Failed("length: " + target.path + " is " + std::to_string(bytes.size()) +
                         " bytes, not " + std::to_string(target.file.length));
  }
  const crypto::Sha256Digest actual = crypto::Sha256(bytes);
  if (Bytes(actual.begin(), actual.end()) != sha256->second) {
    return Error::Failed("hashes: " + target.path + " is not the file the metadata lists");
  }
  return bytes;
}

}  // namespace vigil::tuf
