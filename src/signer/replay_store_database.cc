// ReplayStore over PostgreSQL (pg/replay_table.h): signers on several hosts share it.
#include <chrono>

#include "pg/replay_table.h"
#include "signer/replay_store.h"

namespace vigil::signer {
namespace {

class DatabaseReplayStore : public ReplayStore {
 public:
  explicit DatabaseReplayStore(std::unique_ptr<pg::ReplayTable> table) : table_(std::move(table)) {}

  Status Reserve(const std::string& key_id, const std::string& build_id) override {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    VIGIL_ASSIGN_OR_RETURN(
        std::optional<pg::ReplayTable::Earlier> earlier,
        table_->Reserve(key_id, build_id, static_cast<std::uint64_t>(now.count())));
    if (!earlier) return OkStatus();
    if (earlier->signed_already) return AlreadySigned(build_id, earlier->ledger_index);
    return UnfinishedSignature(build_id);
  }
  Status Complete(const std::string& key_id, const std::string& build_id,
                  const std::string& envelope_sha256, std::uint64_t ledger_index) override {
    return table_->Complete(key_id, build_id, envelope_sha256, ledger_index);
  }
  Status Release(const std::string& key_id, const std::string& build_id) override {
    return table_->Release(key_id, build_id);
  }
  Result<std::uint64_t> PendingCount() override { return table_->PendingCount(); }

 private:
  std::unique_ptr<pg::ReplayTable> table_;
};

}  // namespace

Result<std::unique_ptr<ReplayStore>> ReplayStore::OpenDatabase(const std::string& url) {
  VIGIL_RETURN_IF_ERROR(pg::CheckDatabaseUrl(url));
  pg::SessionSettings session;
  session.url = url;
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<pg::ReplayTable> table, pg::ReplayTable::Open(session));
  return std::unique_ptr<ReplayStore>(new DatabaseReplayStore(std::move(table)));
}

}  // namespace vigil::signer
