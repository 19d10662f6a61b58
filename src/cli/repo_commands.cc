// `vigil repo keygen | init | add | timestamp | fetch`: the channels' TUF repository
// (docs/SPEC-tuf.md). Role keys are Ed25519 seeds in KEYS/ROLE.secret (hex, 0600) with
// KEYS/ROLE.pub beside them; root and targets keys belong offline, with whoever runs init.
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/hex.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "crypto/ed25519.h"
#include "crypto/key_file.h"
#include "http/client.h"
#include "tuf/client.h"
#include "tuf/repository.h"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;

const char* const kRoles[] = {"root", "targets", "snapshot", "timestamp", "testing", "current"};

Result<tuf::SigningKey> ReadRoleKey(const std::string& keys_dir, const std::string& role) {
  return tuf::ReadSigningKeyFile(fs::path(keys_dir) / (role + ".secret"));
}

Result<tuf::Expiry> ExpiryAt(std::int64_t now) {
  tuf::Expiry expiry;
  expiry.now = now >= 0 ? now : static_cast<std::int64_t>(std::time(nullptr));
  return expiry;
}

// ---- keygen ----

struct KeygenArgs {
  std::string keys_dir;
};

Status RunKeygen(const KeygenArgs& args) {
  std::error_code ec;
  fs::create_directories(args.keys_dir, ec);
  if (ec) return Error::BadInput("cannot create " + args.keys_dir + ": " + ec.message());
  for (const char* role : kRoles) {
    const fs::path secret = fs::path(args.keys_dir) / (std::string(role) + ".secret");
    if (fs::exists(secret, ec)) continue;  // a key is never replaced
    VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes seed, crypto::Ed25519GenerateSeed());
    VIGIL_ASSIGN_OR_RETURN(crypto::Ed25519PublicKeyBytes pub, crypto::Ed25519PublicKey(seed));
    VIGIL_RETURN_IF_ERROR(crypto::WriteSecretHexFile(secret, seed));
    VIGIL_RETURN_IF_ERROR(
        crypto::WriteHexFile(fs::path(args.keys_dir) / (std::string(role) + ".pub"), pub));
    std::printf("%s: %s\n", role, tuf::KeyId(tuf::Key{Bytes(pub.begin(), pub.end())}).c_str());
  }
  return OkStatus();
}

// ---- init ----

struct InitArgs {
  std::string repo, keys_dir;
  std::int64_t now = -1;
};

Status RunInit(const InitArgs& args) {
  std::map<std::string, tuf::SigningKey> keys;
  tuf::RepositoryRoles roles;
  for (const char* role : kRoles) {
    VIGIL_ASSIGN_OR_RETURN(tuf::SigningKey key, ReadRoleKey(args.keys_dir, role));
    roles.keys[role] = {key.key};
    keys.emplace(role, std::move(key));
  }
  auto one = [&](const char* role) { return std::vector<const tuf::SigningKey*>{&keys.at(role)}; };
  VIGIL_ASSIGN_OR_RETURN(tuf::Expiry expiry, ExpiryAt(args.now));
  VIGIL_RETURN_IF_ERROR(tuf::InitRepository(args.repo, roles,
                                            {one("root"), one("targets"), one("testing"),
                                             one("current"), one("snapshot"), one("timestamp")},
                                            expiry));
  std::printf("repository %s: root v1 (%s), channels testing and current\n", args.repo.c_str(),
              (fs::path(args.repo) / "metadata/1.root.json").c_str());
  return OkStatus();
}

// ---- add ----

struct AddArgs {
  std::string repo, keys_dir, channel;
  std::vector<std::string> targets, custom;
  std::int64_t now = -1;
};

Result<std::vector<tuf::NewTarget>> NewTargets(const AddArgs& args) {
  std::map<std::string, std::string> custom;
  for (const std::string& item : args.custom) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return Error::BadInput("--custom takes KEY=VALUE");
    custom[item.substr(0, eq)] = item.substr(eq + 1);
  }
  std::vector<tuf::NewTarget> targets;
  for (const std::string& item : args.targets) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) return Error::BadInput("--target takes PATH=FILE");
    targets.push_back({item.substr(0, eq), item.substr(eq + 1), custom});
  }
  return targets;
}

Status RunAdd(const AddArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(std::vector<tuf::NewTarget> targets, NewTargets(args));
  VIGIL_ASSIGN_OR_RETURN(tuf::SigningKey role, ReadRoleKey(args.keys_dir, args.channel));
  VIGIL_ASSIGN_OR_RETURN(tuf::SigningKey snapshot, ReadRoleKey(args.keys_dir, "snapshot"));
  VIGIL_ASSIGN_OR_RETURN(tuf::SigningKey timestamp, ReadRoleKey(args.keys_dir, "timestamp"));
  VIGIL_ASSIGN_OR_RETURN(tuf::Expiry expiry, ExpiryAt(args.now));
  VIGIL_RETURN_IF_ERROR(
      tuf::AddTargets(args.repo, args.channel, targets, {&role}, snapshot, timestamp, expiry));
  std::printf("%zu targets in %s\n", targets.size(), args.channel.c_str());
  return OkStatus();
}

// ---- timestamp ----

struct TimestampArgs {
  std::string repo, keys_dir;
  std::int64_t now = -1;
};

Status RunTimestamp(const TimestampArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(tuf::SigningKey key, ReadRoleKey(args.keys_dir, "timestamp"));
  VIGIL_ASSIGN_OR_RETURN(tuf::Expiry expiry, ExpiryAt(args.now));
  VIGIL_RETURN_IF_ERROR(tuf::RefreshTimestamp(args.repo, key, expiry));
  std::printf("timestamp re-signed\n");
  return OkStatus();
}

// ---- rotate-root ----

struct RotateArgs {
  std::string repo, keys_dir, new_keys_dir;
  std::int64_t now = -1;
};

Status RunRotate(const RotateArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(tuf::SigningKey old_root, ReadRoleKey(args.keys_dir, "root"));
  std::map<std::string, tuf::SigningKey> fresh;
  for (const char* role : {"root", "targets", "snapshot", "timestamp"}) {
    std::error_code ec;
    if (!fs::exists(fs::path(args.new_keys_dir) / (std::string(role) + ".secret"), ec)) continue;
    VIGIL_ASSIGN_OR_RETURN(fresh[role], ReadRoleKey(args.new_keys_dir, role));
  }
  if (fresh.empty()) {
    return Error::BadInput(args.new_keys_dir +
                           " holds no new key (root, targets, snapshot or timestamp .secret)");
  }
  // Snapshot and timestamp are signed again with the keys the new root names.
  std::map<std::string, tuf::SigningKey> kept;
  for (const char* role : {"snapshot", "timestamp"}) {
    if (fresh.contains(role)) continue;
    VIGIL_ASSIGN_OR_RETURN(kept[role], ReadRoleKey(args.keys_dir, role));
  }
  auto online = [&](const char* role) {
    return fresh.contains(role) ? &fresh.at(role) : &kept.at(role);
  };
  auto one = [&fresh](const char* role) {
    return fresh.contains(role) ? std::vector<const tuf::SigningKey*>{&fresh.at(role)}
                                : std::vector<const tuf::SigningKey*>{};
  };
  const tuf::RotationSigners signers{.old_root = {&old_root},
                                     .new_root = one("root"),
                                     .new_targets = one("targets"),
                                     .new_snapshot = one("snapshot"),
                                     .new_timestamp = one("timestamp"),
                                     .snapshot = online("snapshot"),
                                     .timestamp = online("timestamp")};
  VIGIL_ASSIGN_OR_RETURN(tuf::Expiry expiry, ExpiryAt(args.now));
  VIGIL_RETURN_IF_ERROR(tuf::RotateKeys(args.repo, signers, expiry));
  std::string rotated;
  for (const auto& [role, key] : fresh) rotated += " " + role;
  std::printf("a new root trusts new keys for:%s; give the gateway its new online keys\n",
              rotated.c_str());
  return OkStatus();
}

void AddWriterCommands(CLI::App& repo, int* exit_code) {
  auto [k, keygen] = AddCommand<KeygenArgs>(
      repo, "keygen", "Make the six role keys that are missing in a directory", exit_code,
      RunKeygen);
  k->add_option("--keys-dir", keygen->keys_dir, "ROLE.secret and ROLE.pub go here")->required();
  auto [i, init] = AddCommand<InitArgs>(repo, "init", "Create a repository (needs every key)",
                                        exit_code, RunInit);
  i->add_option("repo", init->repo, "The repository directory")->required();
  i->add_option("--keys-dir", init->keys_dir, "The role keys")->required();
  i->add_option("--now", init->now, "Unix time to sign at (default: now)");
  auto [a, add] = AddCommand<AddArgs>(
      repo, "add", "Add targets to a channel: its role, snapshot and timestamp re-signed",
      exit_code, RunAdd);
  a->add_option("repo", add->repo, "The repository directory")->required();
  a->add_option("--keys-dir", add->keys_dir, "The channel's, snapshot and timestamp keys")
      ->required();
  a->add_option("--channel", add->channel, "testing or current")
      ->required()
      ->check(CLI::IsMember({"testing", "current"}));
  a->add_option("--target", add->targets, "CHANNEL/NAME/BUILD_ID/FILE=LOCAL_FILE")->required();
  a->add_option("--custom", add->custom, "KEY=VALUE for the targets' custom metadata");
  a->add_option("--now", add->now, "Unix time to sign at (default: now)");
  auto [t, stamp] = AddCommand<TimestampArgs>(
      repo, "timestamp", "Re-sign the timestamp (the freeze bound)", exit_code, RunTimestamp);
  t->add_option("repo", stamp->repo, "The repository directory")->required();
  t->add_option("--keys-dir", stamp->keys_dir, "Holds timestamp.secret")->required();
  t->add_option("--now", stamp->now, "Unix time to sign at (default: now)");
  auto [r, rotate] = AddCommand<RotateArgs>(
      repo, "rotate-root",
      "A new root version trusting new keys (signed by the current and the new root keys)",
      exit_code, RunRotate);
  r->add_option("repo", rotate->repo, "The repository directory")->required();
  r->add_option("--keys-dir", rotate->keys_dir, "The current keys (root.secret at least)")
      ->required();
  r->add_option("--new-keys-dir", rotate->new_keys_dir,
                "The new keys: any of root, targets, snapshot, timestamp .secret")
      ->required();
  r->add_option("--now", rotate->now, "Unix time to sign at (default: now)");
}

}  // namespace

void AddRepoFetchCommand(CLI::App& repo, int* exit_code);

void AddRepoCommands(CLI::App& app, int* exit_code) {
  CLI::App* repo = app.add_subcommand("repo", "The channels' TUF repository");
  repo->require_subcommand(1);
  AddWriterCommands(*repo, exit_code);
  AddRepoFetchCommand(*repo, exit_code);
}

}  // namespace vigil::cli
