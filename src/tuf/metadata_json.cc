#include "tuf/metadata_json.h"

#include <algorithm>
#include <set>

#include "base/hex.h"
#include "base/time.h"
#include "crypto/ed25519.h"
#include "encoding/json_fields.h"
#include "encoding/strict_json.h"
#include "tuf/canonical_json.h"

namespace vigil::tuf {
namespace {

using encoding::json_fields::BadAt;
using encoding::json_fields::CheckKeys;
using encoding::json_fields::Flag;
using encoding::json_fields::HexField;
using encoding::json_fields::Text;
using encoding::json_fields::Unsigned;
using nlohmann::json;

// JavaScript's largest exact integer: what tuf-js can hold.
constexpr std::uint64_t kMaxInteger = (1ull << 53) - 1;
constexpr std::size_t kMaxHash = 64;
constexpr std::size_t kMaxPath = 1024;
constexpr std::size_t kMaxRoles = 64;

std::string At(const std::string& path, std::string_view key) {
  return path + "." + std::string(key);
}

Result<std::uint64_t> Integer(const json& value, const std::string& path) {
  return Unsigned(value, path, kMaxInteger, /*numbers_only=*/true);
}

std::string Expires(std::int64_t seconds) { return FormatRfc3339UtcSeconds(seconds); }

// The fields every role has; `type` is its `_type`.
json Common(std::string_view type, std::uint64_t version, std::int64_t expires) {
  return json{{"_type", type},
              {"spec_version", kSpecVersion},
              {"version", version},
              {"expires", Expires(expires)}};
}

Status ReadCommon(const json& v, std::string_view type, std::uint64_t& version,
                  std::int64_t& expires) {
  if (!v.is_object() || !v.contains("_type") || v["_type"] != type) {
    return BadAt("$.signed._type", "must be \"" + std::string(type) + "\"");
  }
  for (const char* key : {"spec_version", "version", "expires"}) {
    if (!v.contains(key)) return BadAt("$.signed", "lacks \"" + std::string(key) + "\"");
  }
  VIGIL_ASSIGN_OR_RETURN(std::string spec, Text(v["spec_version"], "$.signed.spec_version", 32));
  if (spec.rfind("1.", 0) != 0) return BadAt("$.signed.spec_version", "must be 1.x");
  VIGIL_ASSIGN_OR_RETURN(version, Integer(v["version"], "$.signed.version"));
  if (version == 0) return BadAt("$.signed.version", "must be at least 1");
  VIGIL_ASSIGN_OR_RETURN(std::string text, Text(v["expires"], "$.signed.expires", 32));
  std::optional<std::int64_t> seconds = ParseRfc3339UtcSeconds(text);
  if (!seconds) return BadAt("$.signed.expires", "must be YYYY-MM-DDTHH:MM:SSZ");
  expires = *seconds;
  return OkStatus();
}

json HashesJson(const std::map<std::string, Bytes>& hashes) {
  json out = json::object();
  for (const auto& [name, digest] : hashes) out[name] = HexEncode(digest);
  return out;
}

Result<std::map<std::string, Bytes>> ReadHashes(const json& v, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(v, path, {}, {"sha256", "sha512"}));
  if (v.empty()) return BadAt(path, "names no hash");
  std::map<std::string, Bytes> hashes;
  for (const auto& [name, size] : {std::pair<const char*, std::size_t>{"sha256", 32},
                                   std::pair<const char*, std::size_t>{"sha512", 64}}) {
    if (!v.contains(name)) continue;
    VIGIL_ASSIGN_OR_RETURN(Bytes digest, HexField(v[name], At(path, name), kMaxHash));
    if (digest.size() != size) return BadAt(At(path, name), "has the wrong length");
    hashes[name] = std::move(digest);
  }
  return hashes;
}

Result<Key> ReadKey(const json& v, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(v, path, {"keytype", "scheme", "keyval"}));
  if (v["keytype"] != "ed25519" || v["scheme"] != "ed25519") {
    return BadAt(path, "only ed25519 keys (keytype and scheme \"ed25519\") are accepted");
  }
  VIGIL_RETURN_IF_ERROR(CheckKeys(v["keyval"], At(path, "keyval"), {"public"}));
  VIGIL_ASSIGN_OR_RETURN(Bytes key, HexField(v["keyval"]["public"], path + ".keyval.public", 32));
  if (key.size() != crypto::kEd25519PublicKeySize) {
    return BadAt(path + ".keyval.public", "must be 32 bytes");
  }
  return Key{std::move(key)};
}

// Keys by their id; each id must be the key's own.
Result<std::map<std::string, Key>> ReadKeys(const json& v, const std::string& path) {
  if (!v.is_object() || v.size() > kMaxKeys) return BadAt(path, "must be an object of keys");
  std::map<std::string, Key> keys;
  for (const auto& [id, item] : v.items()) {
    VIGIL_ASSIGN_OR_RETURN(Key key, ReadKey(item, At(path, id)));
    if (KeyId(key) != id) return BadAt(At(path, id), "is not that key's id");
    keys[id] = std::move(key);
  }
  return keys;
}

json KeysJson(const std::map<std::string, Key>& keys) {
  json out = json::object();
  for (const auto& [id, key] : keys) out[id] = KeyJson(key);
  return out;
}

Result<RoleKeys> ReadRoleKeys(const json& v, const std::string& path) {
  RoleKeys role;
  const json& ids = v["keyids"];
  if (!ids.is_array() || ids.empty() || ids.size() > kMaxKeys) {
    return BadAt(At(path, "keyids"), "must be a non-empty array of key ids");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    VIGIL_ASSIGN_OR_RETURN(std::string id, Text(ids[i], path + ".keyids", 64));
    if (!seen.insert(id).second) return BadAt(At(path, "keyids"), "names a key twice");
    role.keyids.push_back(std::move(id));
  }
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t threshold, Integer(v["threshold"], At(path, "threshold")));
  if (threshold == 0 || threshold > role.keyids.size()) {
    return BadAt(At(path, "threshold"), "must be from 1 to the number of keys");
  }
  role.threshold = static_cast<std::uint32_t>(threshold);
  return role;
}

json RoleKeysJson(const RoleKeys& role) {
  return json{{"keyids", role.keyids}, {"threshold", role.threshold}};
}

Result<MetaFile> ReadMetaFile(const json& v, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(v, path, {"version"}, {"length", "hashes"}));
  MetaFile meta;
  VIGIL_ASSIGN_OR_RETURN(meta.version, Integer(v["version"], At(path, "version")));
  if (v.contains("length")) {
    VIGIL_ASSIGN_OR_RETURN(meta.length, Integer(v["length"], At(path, "length")));
  }
  if (v.contains("hashes")) {
    VIGIL_ASSIGN_OR_RETURN(meta.hashes, ReadHashes(v["hashes"], At(path, "hashes")));
  }
  return meta;
}

json MetaFileJson(const MetaFile& meta) {
  json out{{"version", meta.version}};
  if (meta.length) out["length"] = *meta.length;
  if (!meta.hashes.empty()) out["hashes"] = HashesJson(meta.hashes);
  return out;
}

// A target path or pattern: printable ASCII without spaces, backslashes or the glob
// characters Vigil does not give a meaning ('?', '[', ']').
bool PlainPath(std::string_view path, bool pattern) {
  if (path.empty() || path.size() > kMaxPath || path.front() == '/') return false;
  for (char c : path) {
    if (c <= 0x20 || c > 0x7e || c == '\\' || c == '?' || c == '[' || c == ']') return false;
    if (c == '*' && !pattern) return false;
  }
  return true;
}

Result<TargetFile> ReadTarget(const json& v, const std::string& path) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(v, path, {"length", "hashes"}, {"custom"}));
  TargetFile target;
  VIGIL_ASSIGN_OR_RETURN(target.length, Integer(v["length"], path + ".length"));
  const json& hashes = v["hashes"];
  VIGIL_RETURN_IF_ERROR(CheckKeys(hashes, path + ".hashes", {}, {"sha256", "sha512"}));
  if (!hashes.contains("sha256")) return BadAt(path + ".hashes", "lacks sha256");
  for (const auto& [name, item] : hashes.items()) {
    VIGIL_ASSIGN_OR_RETURN(Bytes digest, HexField(item, path + ".hashes." + name, 64));
    if (digest.size() != (name == "sha256" ? 32u : 64u)) {
      return BadAt(path + ".hashes." + name, "has the wrong length");
    }
    target.hashes[name] = std::move(digest);
  }
  if (v.contains("custom")) {
    const json& custom = v["custom"];
    if (!custom.is_object() || custom.size() > 64) {
      return BadAt(path + ".custom", "must be an object of at most 64 strings");
    }
    for (const auto& [key, item] : custom.items()) {
      VIGIL_ASSIGN_OR_RETURN(target.custom[key], Text(item, path + ".custom." + key, 1024));
    }
  }
  return target;
}

json TargetJson(const TargetFile& target) {
  json out{{"length", target.length}, {"hashes", json::object()}};
  for (const auto& [name, digest] : target.hashes) out["hashes"][name] = HexEncode(digest);
  if (!target.custom.empty()) out["custom"] = target.custom;
  return out;
}

Result<DelegatedRole> ReadDelegatedRole(const json& v, const std::string& path,
                                        const std::map<std::string, Key>& keys) {
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(v, path, {"name", "keyids", "threshold", "paths", "terminating"}));
  DelegatedRole role;
  VIGIL_ASSIGN_OR_RETURN(role.name, Text(v["name"], path + ".name", 64));
  if (!PlainPath(role.name, false) || role.name.find('/') != std::string::npos ||
      role.name == "root" || role.name == "targets" || role.name == "snapshot" ||
      role.name == "timestamp") {
    return BadAt(path + ".name", "must be a plain name that is not a top-level role's");
  }
  VIGIL_ASSIGN_OR_RETURN(role.keys, ReadRoleKeys(v, path));
  for (const std::string& id : role.keys.keyids) {
    if (!keys.contains(id)) return BadAt(path + ".keyids", "names a key not in delegations.keys");
  }
  const json& paths = v["paths"];
  if (!paths.is_array() || paths.empty() || paths.size() > kMaxRoles) {
    return BadAt(path + ".paths", "must be a non-empty array of patterns");
  }
  for (const json& pattern : paths) {
    VIGIL_ASSIGN_OR_RETURN(std::string text, Text(pattern, path + ".paths", kMaxPath));
    if (!PlainPath(text, true)) return BadAt(path + ".paths", "holds a pattern Vigil refuses");
    role.paths.push_back(std::move(text));
  }
  VIGIL_ASSIGN_OR_RETURN(role.terminating, Flag(v["terminating"], path + ".terminating"));
  return role;
}

Result<Delegations> ReadDelegations(const json& v) {
  VIGIL_RETURN_IF_ERROR(CheckKeys(v, "$.signed.delegations", {"keys", "roles"}));
  Delegations delegations;
  VIGIL_ASSIGN_OR_RETURN(delegations.keys, ReadKeys(v["keys"], "$.signed.delegations.keys"));
  const json& roles = v["roles"];
  if (!roles.is_array() || roles.size() > kMaxRoles) {
    return BadAt("$.signed.delegations.roles", "must be an array of at most 64 roles");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < roles.size(); ++i) {
    const std::string path = "$.signed.delegations.roles[" + std::to_string(i) + "]";
    VIGIL_ASSIGN_OR_RETURN(DelegatedRole role, ReadDelegatedRole(roles[i], path, delegations.keys));
    if (!names.insert(role.name).second) return BadAt(path + ".name", "is delegated twice");
    delegations.roles.push_back(std::move(role));
  }
  return delegations;
}

}  // namespace

json KeyJson(const Key& key) {
  return json{{"keytype", "ed25519"},
              {"scheme", "ed25519"},
              {"keyval", {{"public", HexEncode(key.public_key)}}}};
}

json RootJson(const Root& root) {
  json out = Common("root", root.version, root.expires);
  out["consistent_snapshot"] = root.consistent_snapshot;
  out["keys"] = KeysJson(root.keys);
  out["roles"] = json::object();
  for (const auto& [name, role] : root.roles) out["roles"][name] = RoleKeysJson(role);
  return out;
}

Result<Root> ReadRootJson(const json& v) {
  Root root;
  VIGIL_RETURN_IF_ERROR(ReadCommon(v, "root", root.version, root.expires));
  VIGIL_RETURN_IF_ERROR(CheckKeys(
      v, "$.signed",
      {"_type", "spec_version", "version", "expires", "consistent_snapshot", "keys", "roles"}));
  VIGIL_ASSIGN_OR_RETURN(root.consistent_snapshot,
                         Flag(v["consistent_snapshot"], "$.signed.consistent_snapshot"));
  VIGIL_ASSIGN_OR_RETURN(root.keys, ReadKeys(v["keys"], "$.signed.keys"));
  const json& roles = v["roles"];
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(roles, "$.signed.roles", {"root", "targets", "snapshot", "timestamp"}));
  for (const auto& [name, item] : roles.items()) {
    const std::string path = "$.signed.roles." + name;
    VIGIL_RETURN_IF_ERROR(CheckKeys(item, path, {"keyids", "threshold"}));
    VIGIL_ASSIGN_OR_RETURN(root.roles[name], ReadRoleKeys(item, path));
  }
  return root;
}

json SnapshotJson(const Snapshot& snapshot) {
  json out = Common("snapshot", snapshot.version, snapshot.expires);
  out["meta"] = json::object();
  for (const auto& [name, meta] : snapshot.meta) out["meta"][name] = MetaFileJson(meta);
  return out;
}

Result<Snapshot> ReadSnapshotJson(const json& v) {
  Snapshot snapshot;
  VIGIL_RETURN_IF_ERROR(ReadCommon(v, "snapshot", snapshot.version, snapshot.expires));
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(v, "$.signed", {"_type", "spec_version", "version", "expires", "meta"}));
  if (!v["meta"].is_object() || v["meta"].size() > kMaxKeys) {
    return BadAt("$.signed.meta", "must be an object of at most 256 files");
  }
  for (const auto& [name, item] : v["meta"].items()) {
    VIGIL_ASSIGN_OR_RETURN(snapshot.meta[name], ReadMetaFile(item, "$.signed.meta." + name));
  }
  return snapshot;
}

json TimestampJson(const Timestamp& timestamp) {
  json out = Common("timestamp", timestamp.version, timestamp.expires);
  out["meta"] = json{{"snapshot.json", MetaFileJson(timestamp.snapshot)}};
  return out;
}

Result<Timestamp> ReadTimestampJson(const json& v) {
  Timestamp timestamp;
  VIGIL_RETURN_IF_ERROR(ReadCommon(v, "timestamp", timestamp.version, timestamp.expires));
  VIGIL_RETURN_IF_ERROR(
      CheckKeys(v, "$.signed", {"_type", "spec_version", "version", "expires", "meta"}));
  VIGIL_RETURN_IF_ERROR(CheckKeys(v["meta"], "$.signed.meta", {"snapshot.json"}));
  VIGIL_ASSIGN_OR_RETURN(timestamp.snapshot,
                         ReadMetaFile(v["meta"]["snapshot.json"], "$.signed.meta.snapshot.json"));
  return timestamp;
}

json TargetsJson(const Targets& targets) {
  json out = Common("targets", targets.version, targets.expires);
  out["targets"] = json::object();
  for (const auto& [path, target] : targets.targets) out["targets"][path] = TargetJson(target);
  if (targets.delegations) {
    json keys = json::object();
    for (const auto& [id, key] : targets.delegations->keys) keys[id] = KeyJson(key);
    json roles = json::array();
    for (const DelegatedRole& role : targets.delegations->roles) {
      roles.push_back(json{{"name", role.name},
                           {"keyids", role.keys.keyids},
                           {"threshold", role.keys.threshold},
                           {"paths", role.paths},
                           {"terminating", role.terminating}});
    }
    out["delegations"] = json{{"keys", std::move(keys)}, {"roles", std::move(roles)}};
  }
  return out;
}

Result<Targets> ReadTargetsJson(const json& v) {
  Targets targets;
  VIGIL_RETURN_IF_ERROR(ReadCommon(v, "targets", targets.version, targets.expires));
  VIGIL_RETURN_IF_ERROR(CheckKeys(
      v, "$.signed", {"_type", "spec_version", "version", "expires", "targets"}, {"delegations"}));
  const json& files = v["targets"];
  if (!files.is_object() || files.size() > kMaxTargets) {
    return BadAt("$.signed.targets", "must be an object of target files");
  }
  for (const auto& [path, item] : files.items()) {
    if (!PlainPath(path, false)) return BadAt("$.signed.targets", "holds a path Vigil refuses");
    VIGIL_ASSIGN_OR_RETURN(targets.targets[path], ReadTarget(item, "$.signed.targets." + path));
  }
  if (v.contains("delegations")) {
    VIGIL_ASSIGN_OR_RETURN(targets.delegations, ReadDelegations(v["delegations"]));
  }
  return targets;
}

}  // namespace vigil::tuf
