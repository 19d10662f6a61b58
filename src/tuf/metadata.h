// TUF metadata (The Update Framework specification 1.0; docs/SPEC-tuf.md): the four
// top-level roles and one level of delegated targets roles, Ed25519 keys only, each file
// `{"signatures":[{"keyid","sig"}],"signed":{...}}` with the signatures over the OLPC
// canonical JSON of "signed". Read strictly: unknown keys, a wrong `_type`, a spec version
// other than 1.x, a key or role out of bounds are refused, naming the path; `custom` holds
// strings only. Times are whole seconds since the epoch, written "YYYY-MM-DDTHH:MM:SSZ".
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/secret.h"

namespace vigil::tuf {

inline constexpr std::string_view kSpecVersion = "1.0.31";
inline constexpr std::size_t kMaxMetadataBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxKeys = 256;
inline constexpr std::size_t kMaxTargets = 1 << 20;

// An Ed25519 public key ({"keytype":"ed25519","scheme":"ed25519","keyval":{"public":HEX}}).
struct Key {
  Bytes public_key;  // 32 bytes
  bool operator==(const Key&) const = default;
};

// Hex SHA-256 of the key's canonical JSON, as TUF names keys.
std::string KeyId(const Key& key);

struct RoleKeys {
  std::vector<std::string> keyids;
  std::uint32_t threshold = 1;
  bool operator==(const RoleKeys&) const = default;
};

struct Root {
  std::uint64_t version = 1;
  std::int64_t expires = 0;
  bool consistent_snapshot = true;
  std::map<std::string, Key> keys;        // by keyid
  std::map<std::string, RoleKeys> roles;  // root, targets, snapshot, timestamp
  bool operator==(const Root&) const = default;
};

// What snapshot and timestamp say of a metadata file.
struct MetaFile {
  std::uint64_t version = 0;
  std::optional<std::uint64_t> length;
  std::map<std::string, Bytes> hashes;  // "sha256", "sha512"
  bool operator==(const MetaFile&) const = default;
};

struct Snapshot {
  std::uint64_t version = 1;
  std::int64_t expires = 0;
  std::map<std::string, MetaFile> meta;  // "targets.json", "ROLE.json"
  bool operator==(const Snapshot&) const = default;
};

struct Timestamp {
  std::uint64_t version = 1;
  std::int64_t expires = 0;
  MetaFile snapshot;  // meta {"snapshot.json": ...}
  bool operator==(const Timestamp&) const = default;
};

struct TargetFile {
  std::uint64_t length = 0;
  std::map<std::string, Bytes> hashes;
  std::map<std::string, std::string> custom;
  bool operator==(const TargetFile&) const = default;
};

struct DelegatedRole {
  std::string name;
  RoleKeys keys;
  std::vector<std::string> paths;  // patterns: '*' matches within one path segment
  bool terminating = false;
  bool operator==(const DelegatedRole&) const = default;
};

struct Delegations {
  std::map<std::string, Key> keys;
  std::vector<DelegatedRole> roles;  // in priority order
  bool operator==(const Delegations&) const = default;
};

struct Targets {
  std::uint64_t version = 1;
  std::int64_t expires = 0;
  std::map<std::string, TargetFile> targets;
  std::optional<Delegations> delegations;
  bool operator==(const Targets&) const = default;
};

struct Signature {
  std::string keyid;
  Bytes sig;
  bool operator==(const Signature&) const = default;
};

// A file read: the typed "signed" part, the canonical bytes its signatures cover, the
// signatures (keyids unique). Nothing is verified yet: see VerifyThreshold.
template <typename Role>
struct SignedFile {
  Role role;
  std::string signed_bytes;
  std::vector<Signature> signatures;
};

Result<SignedFile<Root>> ReadRoot(std::string_view text);
Result<SignedFile<Targets>> ReadTargets(std::string_view text);
Result<SignedFile<Snapshot>> ReadSnapshot(std::string_view text);
Result<SignedFile<Timestamp>> ReadTimestamp(std::string_view text);

// An Ed25519 key able to sign.
struct SigningKey {
  crypto::SecretBytes seed;
  Key key;
  std::string keyid;
};
Result<SigningKey> SigningKeyFromSeed(crypto::SecretBytes seed);
// A key from a file holding its 32-byte seed in hex (`vigil repo keygen`'s ROLE.secret).
Result<SigningKey> ReadSigningKeyFile(const std::filesystem::path& file);

// The file's text: {"signatures":[...],"signed":...} in canonical JSON, one signature per
// key, in keyid order.
Result<std::string> WriteRoot(const Root& root, const std::vector<const SigningKey*>& keys);
// The canonical bytes of targets metadata's signed part (what WriteTargets signs).
Result<std::string> CanonicalTargets(const Targets& targets);

// Targets metadata's signed part in canonical form and where its "targets" object lies, so
// that a new version with the same files re-encodes only the bytes around them (a quiet
// channel with 10,000 targets re-signed: 2.8 MB kept, a few hundred bytes encoded).
struct EncodedTargets {
  std::string bytes;
  std::size_t files_begin = 0;  // bytes[files_begin, files_end) is the "targets" object
  std::size_t files_end = 0;
};
// All of `targets` into `out`, reusing its buffer; on failure `out` is left empty.
Status EncodeTargets(const Targets& targets, EncodedTargets& out);
// Everything but the files (version, expiry, delegations) into `out`, which must hold an
// encoding of the same files as `targets`; on failure `out` is left empty.
Status EncodeTargetsHead(const Targets& targets, EncodedTargets& out);
// A metadata file's text up to its signed part, `{"signatures":[...],"signed":`, with one
// signature per key over `signed_bytes` in keyid order. The file is this, `signed_bytes`
// and "}", written as three pieces so that megabytes are not copied to be joined.
Result<std::string> SignaturesOpening(std::string_view signed_bytes,
                                      const std::vector<const SigningKey*>& keys);
Result<std::string> WriteTargets(const Targets& targets,
                                 const std::vector<const SigningKey*>& keys);
Result<std::string> WriteSnapshot(const Snapshot& snapshot,
                                  const std::vector<const SigningKey*>& keys);
Result<std::string> WriteTimestamp(const Timestamp& timestamp,
                                   const std::vector<const SigningKey*>& keys);

// Failed naming `role_name` unless at least `role.threshold` distinct keys of `role.keyids`
// (found in `keys`) have a valid signature over `signed_bytes`.
Status VerifyThreshold(std::string_view role_name, const std::string& signed_bytes,
                       const std::vector<Signature>& signatures,
                       const std::map<std::string, Key>& keys, const RoleKeys& role);

// TUF's path pattern match: '*' stands for any run of characters other than '/'; every
// other character matches itself; the whole path must match.
bool PathMatches(std::string_view pattern, std::string_view path);

}  // namespace vigil::tuf
