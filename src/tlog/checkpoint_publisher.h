// The log's signing key and its published checkpoint: the one part of a log directory that
// holds a secret (log.key, mode 0600, with its verifier key log.vkey beside it) and the
// commit point of every append (`checkpoint`, replaced atomically). Tessera keeps this
// apart from tile storage for the same reason: the key can move (to an HSM, to another
// process) without touching how tiles are stored.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"
#include "tlog/hash.h"

namespace vigil::tlog {

class NoteSigner;

class CheckpointPublisher {
 public:
  // Writes a new key for `origin` (log.key, log.vkey) and a signed checkpoint of the empty
  // tree into `dir`, which exists. Never replaces existing files.
  static Status Create(const std::filesystem::path& dir, const std::string& origin);

  // Reads `dir`'s log.key (which must be private to its owner) and checks that log.vkey is
  // its verifier key.
  static Result<CheckpointPublisher> Open(const std::filesystem::path& dir);

  CheckpointPublisher(CheckpointPublisher&&) noexcept;
  CheckpointPublisher& operator=(CheckpointPublisher&&) noexcept;
  ~CheckpointPublisher();

  // "NAME+HASH+KEY" and its name (the log's origin).
  const std::string& verifier_key() const { return verifier_key_; }
  std::string origin() const;

  // Signs the checkpoint of the tree (`size`, `root`) at the current time and replaces the
  // directory's `checkpoint` with it durably; returns the signed note. The caller has written
  // every tile the tree needs first.
  Result<std::string> Publish(std::uint64_t size, const Hash& root);
  // Signs the checkpoint of the tree (`size`, `root`) at the current time, writing nothing:
  // the caller commits it where the log keeps its checkpoint (TileStorage::Commit).
  Result<std::string> Sign(std::uint64_t size, const Hash& root);

 private:
  CheckpointPublisher(std::filesystem::path dir, std::unique_ptr<NoteSigner> signer);

  std::filesystem::path dir_;
  std::unique_ptr<NoteSigner> signer_;
  std::string verifier_key_;
};

}  // namespace vigil::tlog
