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

namespace vigil::signer {

class ReplayStore {
 public:
  // Opens or creates DIR/signed.db (and DIR): SQLite, for one signer.
  static Result<std::unique_ptr<ReplayStore>> Open(const std::filesystem::path& dir);
  // The table in the PostgreSQL database `url` (pg/replay_table.h), which signers on
  // several hosts may share.
  static Result<std::unique_ptr<ReplayStore>> OpenDatabase(const std::string& url);
  virtual ~ReplayStore() = default;

  // Reserves (key_id, build_id). Failed, naming when and how, if it was reserved before.
  virtual Status Reserve(const std::string& key_id, const std::string& build_id) = 0;
  // Records the signature made under a reservation.
  virtual Status Complete(const std::string& key_id, const std::string& build_id,
                          const std::string& envelope_sha256, std::uint64_t ledger_index) = 0;
  // Drops a reservation whose signature was never handed out (the ledger refused it).
  virtual Status Release(const std::string& key_id, const std::string& build_id) = 0;
  // Reservations never completed (left by a crash).
  virtual Result<std::uint64_t> PendingCount() = 0;
};

// The refusal of a second reservation: the build was signed with this key (its signature
// record at ledger entry `ledger_index`), or its signature never finished.
Error AlreadySigned(const std::string& build_id, std::uint64_t ledger_index);
Error UnfinishedSignature(const std::string& build_id);

}  // namespace vigil::signer
