#include "tuf/repository.h"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

#include "base/file.h"
#include "base/hex.h"
#include "base/unique_fd.h"
#include "crypto/hash.h"

namespace vigil::tuf {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxTargetBytes = 4ull << 30;

fs::path MetadataPath(const fs::path& dir, std::uint64_t version, const std::string& role) {
  return dir / "metadata" / (std::to_string(version) + "." + role + ".json");
}

Status WriteNew(const fs::path& path, const std::string& text) {
  return CreateFileAtomic(path, AsBytes(text), 0644);
}

Result<std::string> ReadText(const fs::path& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(path, kMaxMetadataBytes));
  return std::string(AsText(bytes));
}

// One writer at a time: an exclusive lock on DIR/.lock for the call.
Result<UniqueFd> Lock(const fs::path& dir) {
  UniqueFd fd(::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0 || ::flock(fd.get(), LOCK_EX) != 0) {
    return Error::Failed("cannot lock " + (dir / ".lock").string());
  }
  return fd;
}

// The repository as its timestamp names it.
struct State {
  Timestamp timestamp;
  Snapshot snapshot;
};

Result<State> LoadState(const fs::path& dir) {
  State state;
  VIGIL_ASSIGN_OR_RETURN(std::string text, ReadText(dir / "metadata" / "timestamp.json"));
  VIGIL_ASSIGN_OR_RETURN(SignedFile<Timestamp> timestamp, ReadTimestamp(text));
  state.timestamp = std::move(timestamp.role);
  VIGIL_ASSIGN_OR_RETURN(text,
                         ReadText(MetadataPath(dir, state.timestamp.snapshot.version, "snapshot")));
  VIGIL_ASSIGN_OR_RETURN(SignedFile<Snapshot> snapshot, ReadSnapshot(text));
  state.snapshot = std::move(snapshot.role);
  return state;
}

// New snapshot (with `changed` roles' versions) and timestamp, timestamp.json last.
Status Publish(const fs::path& dir, State state,
               const std::map<std::string, std::uint64_t>& changed, const SigningKey& snapshot_key,
               const SigningKey& timestamp_key, const Expiry& expiry) {
  for (const auto& [role, version] : changed) state.snapshot.meta[role + ".json"].version = version;
  state.snapshot.version += 1;
  state.snapshot.expires = expiry.now + expiry.snapshot;
  VIGIL_ASSIGN_OR_RETURN(std::string snapshot, WriteSnapshot(state.snapshot, {&snapshot_key}));
  VIGIL_RETURN_IF_ERROR(WriteNew(MetadataPath(dir, state.snapshot.version, "snapshot"), snapshot));
  const crypto::Sha256Digest hash = crypto::Sha256(AsBytes(snapshot));
  state.timestamp.version += 1;
  state.timestamp.expires = expiry.now + expiry.timestamp;
  state.timestamp.snapshot = MetaFile{.version = state.snapshot.version,
                                      .length = snapshot.size(),
                                      .hashes = {{"sha256", Bytes(hash.begin(), hash.end())}}};
  VIGIL_ASSIGN_OR_RETURN(std::string timestamp, WriteTimestamp(state.timestamp, {&timestamp_key}));
  return WriteFileAtomic(dir / "metadata" / "timestamp.json", AsBytes(timestamp));
}

Root MakeRoot(const RepositoryRoles& roles, const Expiry& expiry) {
  Root root{.version = 1,
            .expires = expiry.now + expiry.root,
            .consistent_snapshot = true,
            .keys = {},
            .roles = {}};
  for (const char* name : {"root", "targets", "snapshot", "timestamp"}) {
    RoleKeys role;
    for (const Key& key : roles.keys.at(name)) {
      root.keys[KeyId(key)] = key;
      role.keyids.push_back(KeyId(key));
    }
    auto threshold = roles.thresholds.find(name);
    role.threshold = threshold == roles.thresholds.end() ? 1 : threshold->second;
    root.roles[name] = std::move(role);
  }
  return root;
}

Targets MakeTargets(const RepositoryRoles& roles, const Expiry& expiry) {
  Delegations delegations;
  for (const char* name : {kTestingRole, kCurrentRole}) {
    DelegatedRole role{
        .name = name, .keys = {}, .paths = {std::string(name) + "/*/*/*"}, .terminating = true};
    for (const Key& key : roles.keys.at(name)) {
      delegations.keys[KeyId(key)] = key;
      role.keys.keyids.push_back(KeyId(key));
    }
    auto threshold = roles.thresholds.find(name);
    role.keys.threshold = threshold == roles.thresholds.end() ? 1 : threshold->second;
    delegations.roles.push_back(std::move(role));
  }
  return Targets{.version = 1,
                 .expires = expiry.now + expiry.targets,
                 .targets = {},
                 .delegations = std::move(delegations)};
}

}  // namespace

Status InitRepository(const fs::path& dir, const RepositoryRoles& roles, const InitSigners& signers,
                      const Expiry& expiry) {
  for (const char* name :
       {"root", "targets", "snapshot", "timestamp", kTestingRole, kCurrentRole}) {
    if (!roles.keys.contains(name) || roles.keys.at(name).empty()) {
      return Error::BadInput(std::string("the ") + name + " role has no key");
    }
  }
  std::error_code ec;
  if (fs::exists(dir / "metadata", ec)) {
    return Error::BadInput(dir.string() + " already holds a repository (metadata/)");
  }
  fs::create_directories(dir / "metadata", ec);
  fs::create_directories(dir / "targets", ec);
  if (ec) return Error::Failed("cannot create " + dir.string() + ": " + ec.message());
  VIGIL_ASSIGN_OR_RETURN(std::string root, WriteRoot(MakeRoot(roles, expiry), signers.root));
  VIGIL_RETURN_IF_ERROR(WriteNew(MetadataPath(dir, 1, "root"), root));
  VIGIL_ASSIGN_OR_RETURN(std::string targets,
                         WriteTargets(MakeTargets(roles, expiry), signers.targets));
  VIGIL_RETURN_IF_ERROR(WriteNew(MetadataPath(dir, 1, "targets"), targets));
  State state{.timestamp = {.version = 0, .expires = 0, .snapshot = {}},
              .snapshot = {.version = 0, .expires = 0, .meta = {}}};
  const Targets empty{.version = 1,
                      .expires = expiry.now + expiry.delegated,
                      .targets = {},
                      .delegations = std::nullopt};
  for (const auto& [name, keys] :
       {std::pair{kTestingRole, &signers.testing}, std::pair{kCurrentRole, &signers.current}}) {
    VIGIL_ASSIGN_OR_RETURN(std::string text, WriteTargets(empty, *keys));
    VIGIL_RETURN_IF_ERROR(WriteNew(MetadataPath(dir, 1, name), text));
  }
  if (signers.snapshot.empty() || signers.timestamp.empty()) {
    return Error::BadInput("init needs the snapshot and timestamp keys");
  }
  return Publish(dir, std::move(state), {{"targets", 1}, {kTestingRole, 1}, {kCurrentRole, 1}},
                 *signers.snapshot.front(), *signers.timestamp.front(), expiry);
}

namespace {

// A delegated role's metadata as the next version starts from: its contents, and their
// canonical encoding when it is known to match (then only the head is re-encoded).
struct RoleState {
  Targets targets;
  EncodedTargets encoded;
  bool encoded_matches = false;
};

// The delegated role this process wrote last in each repository, so that the next change
// neither reads back and parses the megabytes it wrote itself (10,000 targets: 2.8 MB) nor
// encodes them again when the files did not change. Versions are never rewritten
// (WriteNew), so a path names one content; the entry is taken out while a change holds the
// repository's lock, and put back with the version it wrote.
struct WrittenRole {
  fs::path path;
  RoleState state;
};
std::mutex written_mutex;
std::map<std::string, WrittenRole> written_roles;  // by DIR/ROLE

std::string RoleKey(const fs::path& path) {
  const std::string name = path.filename().string();  // N.ROLE.json
  return (path.parent_path() / name.substr(name.find('.') + 1)).string();
}

// The role's version `version`: the copy this process wrote, else read from its file.
Result<RoleState> TakeRole(const fs::path& dir, std::uint64_t version, const std::string& role) {
  const fs::path path = MetadataPath(dir, version, role);
  {
    std::lock_guard<std::mutex> lock(written_mutex);
    auto found = written_roles.find(RoleKey(path));
    if (found != written_roles.end()) {
      WrittenRole kept = std::move(found->second);
      written_roles.erase(found);
      if (kept.path == path) return std::move(kept.state);
    }
  }
  VIGIL_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  VIGIL_ASSIGN_OR_RETURN(SignedFile<Targets> file, ReadTargets(text));
  return RoleState{.targets = std::move(file.role), .encoded = {}, .encoded_matches = false};
}

void KeepRole(const fs::path& path, RoleState state) {
  std::lock_guard<std::mutex> lock(written_mutex);
  written_roles[RoleKey(path)] = WrittenRole{path, std::move(state)};
}

// Signs and writes `next` as the role's next version, with a new expiry; its version.
Result<std::uint64_t> WriteNextVersion(const fs::path& dir, const std::string& role, RoleState next,
                                       const std::vector<const SigningKey*>& role_keys,
                                       const Expiry& expiry) {
  next.targets.version += 1;
  next.targets.expires = expiry.now + expiry.delegated;
  VIGIL_RETURN_IF_ERROR(next.encoded_matches ? EncodeTargetsHead(next.targets, next.encoded)
                                             : EncodeTargets(next.targets, next.encoded));
  next.encoded_matches = true;
  const std::string& signed_bytes = next.encoded.bytes;
  VIGIL_ASSIGN_OR_RETURN(std::string opening, SignaturesOpening(signed_bytes, role_keys));
  const ByteView pieces[] = {AsBytes(opening), AsBytes(signed_bytes), AsBytes("}")};
  const fs::path written = MetadataPath(dir, next.targets.version, role);
  VIGIL_RETURN_IF_ERROR(CreateFileAtomic(written, pieces, 0644));
  const std::uint64_t version = next.targets.version;
  KeepRole(written, std::move(next));
  return version;
}

// Signs `next` as the role's next version, then snapshot and timestamp.
Status SignNextVersion(const fs::path& dir, State state, const std::string& role, RoleState next,
                       const std::vector<const SigningKey*>& role_keys,
                       const SigningKey& snapshot_key, const SigningKey& timestamp_key,
                       const Expiry& expiry) {
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t version,
                         WriteNextVersion(dir, role, std::move(next), role_keys, expiry));
  return Publish(dir, std::move(state), {{role, version}}, snapshot_key, timestamp_key, expiry);
}

}  // namespace

Status AddTargets(const fs::path& dir, const std::string& role,
                  const std::vector<NewTarget>& targets,
                  const std::vector<const SigningKey*>& role_keys, const SigningKey& snapshot_key,
                  const SigningKey& timestamp_key, const Expiry& expiry) {
  if (role != kTestingRole && role != kCurrentRole) {
    return Error::BadInput("targets go to testing or current, not " + role);
  }
  VIGIL_ASSIGN_OR_RETURN(UniqueFd lock, Lock(dir));
  VIGIL_ASSIGN_OR_RETURN(State state, LoadState(dir));
  const std::uint64_t version = state.snapshot.meta[role + ".json"].version;
  VIGIL_ASSIGN_OR_RETURN(RoleState next, TakeRole(dir, version, role));
  next.encoded_matches = false;
  // Every target is checked before any file is written: a refused one leaves nothing.
  std::vector<std::pair<fs::path, Bytes>> files;
  for (const NewTarget& target : targets) {
    if (!PathMatches(role + "/*/*/*", target.path)) {
      return Error::BadInput(target.path + " is not under " + role + "/NAME/BUILD_ID/FILE");
    }
    VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(target.file, kMaxTargetBytes));
    const crypto::Sha256Digest hash = crypto::Sha256(bytes);
    TargetFile file{.length = bytes.size(),
                    .hashes = {{"sha256", Bytes(hash.begin(), hash.end())}},
                    .custom = target.custom};
    auto existing = next.targets.targets.find(target.path);
    if (existing != next.targets.targets.end() && existing->second.hashes != file.hashes) {
      return Error::BadInput(target.path + " is already in " + role + " with other bytes");
    }
    files.emplace_back(dir / "targets" / fs::path(target.path).parent_path() /
                           (HexEncode(hash) + "." + fs::path(target.path).filename().string()),
                       std::move(bytes));
    next.targets.targets[target.path] = std::move(file);
  }
  for (const auto& [stored, bytes] : files) {
    std::error_code ec;
    fs::create_directories(stored.parent_path(), ec);
    if (!fs::exists(stored, ec)) VIGIL_RETURN_IF_ERROR(CreateFileAtomic(stored, bytes, 0644));
  }
  return SignNextVersion(dir, std::move(state), role, std::move(next), role_keys, snapshot_key,
                         timestamp_key, expiry);
}

Result<Targets> RoleTargets(const fs::path& dir, const std::string& role) {
  if (role != kTestingRole && role != kCurrentRole) {
    return Error::BadInput("a channel is testing or current, not " + role);
  }
  VIGIL_ASSIGN_OR_RETURN(State state, LoadState(dir));
  const std::uint64_t version = state.snapshot.meta[role + ".json"].version;
  VIGIL_ASSIGN_OR_RETURN(std::string text, ReadText(MetadataPath(dir, version, role)));
  VIGIL_ASSIGN_OR_RETURN(SignedFile<Targets> targets, ReadTargets(text));
  return std::move(targets.role);
}

fs::path StoredTargetPath(const fs::path& dir, const std::string& path, const TargetFile& file) {
  auto hash = file.hashes.find("sha256");
  const std::string hex = hash != file.hashes.end() ? HexEncode(hash->second) : "";
  return dir / "targets" / fs::path(path).parent_path() /
         (hex + "." + fs::path(path).filename().string());
}

Status ResignRoles(const fs::path& dir, const std::vector<RoleSigner>& roles,
                   const SigningKey& snapshot_key, const SigningKey& timestamp_key,
                   const Expiry& expiry) {
  VIGIL_ASSIGN_OR_RETURN(UniqueFd lock, Lock(dir));
  VIGIL_ASSIGN_OR_RETURN(State state, LoadState(dir));
  std::map<std::string, std::uint64_t> changed;
  for (const RoleSigner& role : roles) {
    if (role.name != kTestingRole && role.name != kCurrentRole) {
      return Error::BadInput("only testing and current are re-signed online, not " + role.name);
    }
    const std::uint64_t version = state.snapshot.meta[role.name + ".json"].version;
    VIGIL_ASSIGN_OR_RETURN(RoleState next, TakeRole(dir, version, role.name));
    VIGIL_ASSIGN_OR_RETURN(changed[role.name],
                           WriteNextVersion(dir, role.name, std::move(next), role.keys, expiry));
  }
  return Publish(dir, std::move(state), changed, snapshot_key, timestamp_key, expiry);
}

Result<Expiries> ReadExpiries(const fs::path& dir) {
  VIGIL_ASSIGN_OR_RETURN(State state, LoadState(dir));
  Expiries expiries{.timestamp = state.timestamp.expires, .snapshot = state.snapshot.expires};
  for (const char* role : {kTestingRole, kCurrentRole}) {
    const std::uint64_t version = state.snapshot.meta[std::string(role) + ".json"].version;
    VIGIL_ASSIGN_OR_RETURN(std::string text, ReadText(MetadataPath(dir, version, role)));
    VIGIL_ASSIGN_OR_RETURN(SignedFile<Targets> file, ReadTargets(text));
    expiries.delegated = expiries.delegated == 0 ? file.role.expires
                                                 : std::min(expiries.delegated, file.role.expires);
  }
  return expiries;
}

Status RemoveTargets(const fs::path& dir, const std::string& role, const std::string& prefix,
                     const std::vector<const SigningKey*>& role_keys,
                     const SigningKey& snapshot_key, const SigningKey& timestamp_key,
                     const Expiry& expiry) {
  if (role != kTestingRole && role != kCurrentRole) {
    return Error::BadInput("targets are removed from testing or current, not " + role);
  }
  VIGIL_ASSIGN_OR_RETURN(UniqueFd lock, Lock(dir));
  VIGIL_ASSIGN_OR_RETURN(State state, LoadState(dir));
  const std::uint64_t version = state.snapshot.meta[role + ".json"].version;
  VIGIL_ASSIGN_OR_RETURN(RoleState next, TakeRole(dir, version, role));
  const std::size_t before = next.targets.targets.size();
  std::erase_if(next.targets.targets, [&prefix](const auto& target) {
    return target.first.compare(0, prefix.size(), prefix) == 0;
  });
  if (next.targets.targets.size() == before) {
    KeepRole(MetadataPath(dir, version, role), std::move(next));  // unchanged: still current
    return Error::BadInput("no target under " + prefix);
  }
  next.encoded_matches = false;
  // The files stay: older metadata versions, still served, name them.
  return SignNextVersion(dir, std::move(state), role, std::move(next), role_keys, snapshot_key,
                         timestamp_key, expiry);
}

namespace {

// The newest root version in DIR/metadata and its file.
Result<std::pair<std::uint64_t, Root>> NewestRoot(const fs::path& dir) {
  std::uint64_t version = 1;
  std::error_code ec;
  while (fs::exists(MetadataPath(dir, version + 1, "root"), ec)) ++version;
  VIGIL_ASSIGN_OR_RETURN(std::string text, ReadText(MetadataPath(dir, version, "root")));
  VIGIL_ASSIGN_OR_RETURN(SignedFile<Root> root, ReadRoot(text));
  return std::make_pair(version, std::move(root.role));
}

// `role` in `root` trusts `keys` alone from now on (its threshold kept, at most the number of
// keys); keys no role names any more are dropped.
void ReplaceRoleKeys(Root& root, const std::string& role,
                     const std::vector<const SigningKey*>& keys) {
  RoleKeys& named = root.roles[role];
  named.keyids.clear();
  for (const SigningKey* key : keys) {
    root.keys[key->keyid] = key->key;
    named.keyids.push_back(key->keyid);
  }
  named.threshold = std::min<std::uint32_t>(std::max<std::uint32_t>(named.threshold, 1),
                                            static_cast<std::uint32_t>(keys.size()));
  std::erase_if(root.keys, [&root](const auto& entry) {
    return std::none_of(root.roles.begin(), root.roles.end(), [&entry](const auto& other) {
      const auto& ids = other.second.keyids;
      return std::find(ids.begin(), ids.end(), entry.first) != ids.end();
    });
  });
}

}  // namespace

Status RotateKeys(const fs::path& dir, const RotationSigners& signers, const Expiry& expiry) {
  if (signers.old_root.empty()) return Error::BadInput("rotation needs the current root keys");
  VIGIL_ASSIGN_OR_RETURN(UniqueFd lock, Lock(dir));
  VIGIL_ASSIGN_OR_RETURN(auto newest, NewestRoot(dir));
  Root next = newest.second;
  next.version = newest.first + 1;
  next.expires = expiry.now + expiry.root;
  for (const auto& [role, keys] :
       {std::pair{"root", &signers.new_root}, std::pair{"targets", &signers.new_targets},
        std::pair{"snapshot", &signers.new_snapshot},
        std::pair{"timestamp", &signers.new_timestamp}}) {
    if (!keys->empty()) ReplaceRoleKeys(next, role, *keys);
  }
  // Signed by the old root's keys (so clients trusting it accept the step) and the new's.
  std::vector<const SigningKey*> all = signers.old_root;
  all.insert(all.end(), signers.new_root.begin(), signers.new_root.end());
  VIGIL_ASSIGN_OR_RETURN(std::string root_text, WriteRoot(next, all));
  VIGIL_RETURN_IF_ERROR(WriteNew(MetadataPath(dir, next.version, "root"), root_text));
  VIGIL_ASSIGN_OR_RETURN(State state, LoadState(dir));
  std::map<std::string, std::uint64_t> changed;
  if (!signers.new_targets.empty()) {
    const std::uint64_t version = state.snapshot.meta["targets.json"].version;
    VIGIL_ASSIGN_OR_RETURN(std::string text, ReadText(MetadataPath(dir, version, "targets")));
    VIGIL_ASSIGN_OR_RETURN(SignedFile<Targets> targets, ReadTargets(text));
    targets.role.version = version + 1;
    targets.role.expires = expiry.now + expiry.targets;
    VIGIL_ASSIGN_OR_RETURN(std::string signed_text,
                           WriteTargets(targets.role, signers.new_targets));
    VIGIL_RETURN_IF_ERROR(WriteNew(MetadataPath(dir, version + 1, "targets"), signed_text));
    changed["targets"] = version + 1;
  }
  // Snapshot and timestamp again, with their keys as the new root names them.
  if (signers.snapshot == nullptr || signers.timestamp == nullptr) {
    return Error::BadInput("rotation re-signs snapshot and timestamp: it needs their keys");
  }
  return Publish(dir, std::move(state), changed, *signers.snapshot, *signers.timestamp, expiry);
}

Status RefreshTimestamp(const fs::path& dir, const SigningKey& timestamp_key,
                        const Expiry& expiry) {
  VIGIL_ASSIGN_OR_RETURN(UniqueFd lock, Lock(dir));
  VIGIL_ASSIGN_OR_RETURN(State state, LoadState(dir));
  state.timestamp.version += 1;
  state.timestamp.expires = expiry.now + expiry.timestamp;
  VIGIL_ASSIGN_OR_RETURN(std::string timestamp, WriteTimestamp(state.timestamp, {&timestamp_key}));
  return WriteFileAtomic(dir / "metadata" / "timestamp.json", AsBytes(timestamp));
}

}  // namespace vigil::tuf
