// The TUF client workflow (specification 1.0, section 5; docs/SPEC-tuf.md) over any
// transport: from a trusted root, each newer root one version at a time (signed by the old
// root's threshold and the new one's), then timestamp, snapshot and targets with their
// rollback, freeze and mix-and-match checks against a start time fixed when the client is
// made, then the delegations in order for a target, whose bytes must match its length and
// hashes. Every refusal names the check ("rollback", "freeze", "threshold", ...).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "tuf/metadata.h"

namespace vigil::tuf {

// Reads `path` under the repository's base ("metadata/2.root.json", "targets/..."):
// nullopt when it does not exist, an error when it cannot be read or holds more than `max`.
using Fetch = std::function<Result<std::optional<Bytes>>(const std::string& path, std::size_t max)>;

// What the client keeps between runs: the newest trusted root and the last accepted
// timestamp and snapshot (for the rollback checks). Texts, as fetched.
struct TrustedState {
  std::string root;
  std::optional<std::string> timestamp, snapshot;
};

struct ResolvedTarget {
  std::string path;
  std::string role;  // the role that listed it
  TargetFile file;
};

class Client {
 public:
  Client(Fetch fetch, TrustedState state, std::int64_t now);

  // Brings root, timestamp, snapshot and top-level targets up to date.
  Status Refresh();
  // The target as the first matching delegation lists it (after Refresh).
  Result<ResolvedTarget> Find(const std::string& path);
  // Every target a delegated role lists (after Refresh), checked as Find checks one.
  Result<std::vector<ResolvedTarget>> ListRole(const std::string& role);
  // Its bytes, checked against its length and hashes.
  Result<Bytes> Download(const ResolvedTarget& target);

  // The state to keep for the next run (updated by Refresh).
  const TrustedState& state() const { return state_; }
  const Root& root() const { return root_; }

 private:
  Status UpdateRoot();
  Status UpdateTimestamp();
  Status UpdateSnapshot();
  Result<Targets> LoadTargets(const std::string& role, const std::map<std::string, Key>& keys,
                              const RoleKeys& role_keys);

  Fetch fetch_;
  TrustedState state_;
  std::int64_t now_;
  Root root_;
  std::optional<Timestamp> timestamp_;
  std::optional<Snapshot> snapshot_;
  std::optional<Targets> targets_;
  std::map<std::string, Targets> delegated_;
};

}  // namespace vigil::tuf
