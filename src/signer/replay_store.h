// The signer's durable memory of what it signed: at most one signature per (key, build).
// A reservation is written (synchronously, to disk) before anything is signed, so a
// restart, a crash or two concurrent requests can never sign one build twice with one key.
// A reservation that was never completed (the signer died while the ledger was taking the
// signature record) keeps the build refused: the operator decides, see docs/SPEC-signer.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "base/result.h"

namespace vigil {
class SqliteDb;  // base/sqlite.h: SQLite's types stay in the .cc
}  // namespace vigil

namespace vigil::signer {

class ReplayStore {
 public:
  // Opens or creates DIR/signed.db (and DIR).
  static Result<std::unique_ptr<ReplayStore>> Open(const std::filesystem::path& dir);

  // Reserves (key_id, build_id). Failed, naming when and how, if it was reserved before.
  Status Reserve(const std::string& key_id, const std::string& build_id);
  // Records the signature made under a reservation.
  Status Complete(const std::string& key_id, const std::string& build_id,
                  const std::string& envelope_sha256, std::uint64_t ledger_index);
  // Drops a reservation whose signature was never handed out (the ledger refused it).
  Status Release(const std::string& key_id, const std::string& build_id);
  // Reservations never completed (left by a crash).
  Result<std::uint64_t> PendingCount();

  ~ReplayStore();

 private:
  explicit ReplayStore(std::unique_ptr<SqliteDb> db);
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace vigil::signer
