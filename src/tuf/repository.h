// A TUF repository for the channels (docs/SPEC-tuf.md), as a directory any web server can
// serve: metadata/VERSION.root.json, metadata/timestamp.json and, with consistent
// snapshots, metadata/VERSION.{snapshot,targets,testing,current}.json; target files at
// targets/CHANNEL/NAME/BUILD_ID/SHA256.FILE. The top-level targets role delegates
// `testing/*/*/*` to the role `testing` and `current/*/*/*` to `current` (terminating).
// Root and targets keys stay offline: Init needs them; the online roles need only theirs.
// Every file is written new (never over another) and timestamp.json last, atomically, so a
// reader sees the old repository or the new one.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/result.h"
#include "tuf/metadata.h"

namespace vigil::tuf {

inline constexpr char kTestingRole[] = "testing";
inline constexpr char kCurrentRole[] = "current";

// Public keys and thresholds of each role at creation.
struct RepositoryRoles {
  std::map<std::string, std::vector<Key>> keys;     // root, targets, snapshot, timestamp,
                                                    // testing, current
  std::map<std::string, std::uint32_t> thresholds;  // default 1
};

struct Expiry {
  std::int64_t now = 0;
  std::int64_t root = 365 * 86400, targets = 365 * 86400, delegated = 30 * 86400,
               snapshot = 7 * 86400, timestamp = 86400;
};

// Creates the repository in `dir` (which must not hold one): root v1 signed by `root_keys`,
// targets v1 (the two delegations) by `targets_keys`, empty testing and current v1 by their
// keys, snapshot and timestamp v1.
struct InitSigners {
  std::vector<const SigningKey*> root, targets, testing, current, snapshot, timestamp;
};
Status InitRepository(const std::filesystem::path& dir, const RepositoryRoles& roles,
                      const InitSigners& signers, const Expiry& expiry);

// A target to add: the file's bytes are copied in; `custom` goes into the metadata.
struct NewTarget {
  std::string path;  // CHANNEL/NAME/BUILD_ID/FILE, under the role's pattern
  std::filesystem::path file;
  std::map<std::string, std::string> custom;
};

// Adds targets to `role` (testing or current): a new role version signed by `role_keys`,
// then snapshot and timestamp. A path already in the role with other bytes is refused.
Status AddTargets(const std::filesystem::path& dir, const std::string& role,
                  const std::vector<NewTarget>& targets,
                  const std::vector<const SigningKey*>& role_keys, const SigningKey& snapshot_key,
                  const SigningKey& timestamp_key, const Expiry& expiry);

// The role's (testing's or current's) targets as the repository serves them now.
Result<Targets> RoleTargets(const std::filesystem::path& dir, const std::string& role);

// Where the repository keeps the bytes of target `path` (targets/.../SHA256.FILE).
std::filesystem::path StoredTargetPath(const std::filesystem::path& dir, const std::string& path,
                                       const TargetFile& file);

// Removes every target whose path starts with `prefix` (e.g. "current/NAME/BUILD_ID/") from
// `role`: a new role version, then snapshot and timestamp. kBadInput when none matches.
Status RemoveTargets(const std::filesystem::path& dir, const std::string& role,
                     const std::string& prefix, const std::vector<const SigningKey*>& role_keys,
                     const SigningKey& snapshot_key, const SigningKey& timestamp_key,
                     const Expiry& expiry);

// A new root version (root keys stay offline: this runs where they are): each role with new
// keys trusts those from now on, signed by the current root's keys and the new root keys,
// so a client moves from one to the next; targets (when its keys change) is re-signed with
// the new keys, then snapshot and timestamp with the keys the new root names for them.
struct RotationSigners {
  std::vector<const SigningKey*> old_root;
  std::vector<const SigningKey*> new_root, new_targets, new_snapshot, new_timestamp;  // or none
  const SigningKey* snapshot = nullptr;   // the snapshot key of the new root
  const SigningKey* timestamp = nullptr;  // the timestamp key of the new root
};
Status RotateKeys(const std::filesystem::path& dir, const RotationSigners& signers,
                  const Expiry& expiry);

// New versions of `roles` (testing, current) with the same targets and a new expiry, then
// snapshot and timestamp: what keeps a quiet channel from expiring (delegated roles last 30
// days, snapshot 7).
struct RoleSigner {
  std::string name;
  std::vector<const SigningKey*> keys;
};
Status ResignRoles(const std::filesystem::path& dir, const std::vector<RoleSigner>& roles,
                   const SigningKey& snapshot_key, const SigningKey& timestamp_key,
                   const Expiry& expiry);

// When the online metadata expires (Unix seconds; delegated: the sooner of testing's and
// current's).
struct Expiries {
  std::int64_t timestamp = 0, snapshot = 0, delegated = 0;
};
Result<Expiries> ReadExpiries(const std::filesystem::path& dir);

// Re-signs timestamp.json with a new version and expiry (the freeze bound).
Status RefreshTimestamp(const std::filesystem::path& dir, const SigningKey& timestamp_key,
                        const Expiry& expiry);

}  // namespace vigil::tuf
