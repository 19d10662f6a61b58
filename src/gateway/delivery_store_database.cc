// DeliveryStore over PostgreSQL (pg/delivery_tables.h): several gateways share it.
#include <chrono>

#include "gateway/delivery_store.h"
#include "gateway/verdict_record.h"
#include "pg/delivery_tables.h"

namespace vigil::gateway {
namespace {

static_assert(pg::DeliveryTables::kTakeScan == DeliveryStore::kTakeScan);

std::uint64_t Now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

pg::DeliveryRow ToRow(const Delivery& d) {
  return {.provider = d.provider,
          .delivery_id = d.delivery_id,
          .verdict = d.verdict,
          .repository = d.repository,
          .ref = d.ref,
          .commit = d.commit,
          .component = d.component,
          .body_sha256 = d.body_sha256,
          .queue = d.queue};
}

Delivery FromRow(pg::DeliveryRow row) {
  return {.provider = std::move(row.provider),
          .delivery_id = std::move(row.delivery_id),
          .verdict = std::move(row.verdict),
          .repository = std::move(row.repository),
          .ref = std::move(row.ref),
          .commit = std::move(row.commit),
          .component = std::move(row.component),
          .body_sha256 = std::move(row.body_sha256),
          .queue = row.queue};
}

Result<std::vector<PendingRecord>> FromOutbox(Result<std::vector<pg::OutboxRecord>> rows) {
  VIGIL_RETURN_IF_ERROR(rows.status());
  std::vector<PendingRecord> records;
  records.reserve(rows->size());
  for (pg::OutboxRecord& row : *rows) {
    records.push_back({row.seq, std::move(row.record_id), std::move(row.body)});
  }
  return records;
}

class DatabaseDeliveryStore final : public DeliveryStore {
 public:
  explicit DatabaseDeliveryStore(std::unique_ptr<pg::DeliveryTables> tables)
      : tables_(std::move(tables)) {}

  Result<Recorded> Record(const Delivery& delivery, const std::string& ledger_record) override {
    VIGIL_ASSIGN_OR_RETURN(
        pg::DeliveryTables::Recorded recorded,
        tables_->Record(ToRow(delivery), Now(), VerdictRecordId(delivery), ledger_record));
    return Recorded{.duplicate = recorded.duplicate, .verdict = std::move(recorded.verdict)};
  }
  Status AddRecord(const std::string& record_id, const std::string& body) override {
    return tables_->AddRecord(record_id, body);
  }
  Result<std::vector<PendingRecord>> PendingRecords(std::size_t limit) override {
    return FromOutbox(tables_->PendingRecords(limit));
  }
  Status MarkRecorded(std::uint64_t seq, std::uint64_t index) override {
    return tables_->MarkRecorded(seq, index);
  }
  Result<std::uint64_t> PendingCount() override { return tables_->PendingCount(); }
  Result<std::vector<PendingRecord>> RecordsAfter(std::uint64_t seq, std::size_t limit) override {
    return FromOutbox(tables_->RecordsAfter(seq, limit));
  }
  Result<std::vector<PendingRecord>> NewestRecords(std::size_t limit) override {
    return FromOutbox(tables_->NewestRecords(limit));
  }
  Result<std::uint64_t> NotifiedUpTo(const std::string& target) override {
    return tables_->NotifiedUpTo(target);
  }
  Status SetNotifiedUpTo(const std::string& target, std::uint64_t seq) override {
    return tables_->SetNotifiedUpTo(target, seq);
  }
  Result<std::optional<std::pair<Delivery, std::string>>> Find(
      const std::string& provider, const std::string& delivery_id) override {
    VIGIL_ASSIGN_OR_RETURN(std::optional<pg::DeliveryTables::Found> found,
                           tables_->Find(provider, delivery_id));
    if (!found) return std::optional<std::pair<Delivery, std::string>>();
    return std::optional<std::pair<Delivery, std::string>>(
        std::pair(FromRow(std::move(found->row)), std::move(found->outcome)));
  }
  Result<std::uint64_t> QueuedCount() override { return tables_->QueuedCount(); }
  Result<std::optional<Delivery>> TakeQueued(const Acceptor& accept) override {
    pg::DeliveryTables::Acceptor accept_row;
    if (accept) {
      accept_row = [&accept](const pg::DeliveryRow& row) { return accept(FromRow(row)); };
    }
    VIGIL_ASSIGN_OR_RETURN(std::optional<pg::DeliveryRow> taken,
                           tables_->TakeQueued(accept_row, Now()));
    if (!taken) return std::optional<Delivery>();
    return std::optional<Delivery>(FromRow(std::move(*taken)));
  }
  Status Requeue(const Delivery& delivery, const std::string& why) override {
    return tables_->Requeue(delivery.provider, delivery.delivery_id, why);
  }
  Status RecordOutcome(const Delivery& delivery, const std::string& outcome) override {
    return tables_->RecordOutcome(delivery.provider, delivery.delivery_id, outcome);
  }

 private:
  std::unique_ptr<pg::DeliveryTables> tables_;
};

}  // namespace

Result<std::unique_ptr<DeliveryStore>> DeliveryStore::OpenDatabase(const std::string& url) {
  if (Status checked = pg::CheckDatabaseUrl(url); !checked.ok()) {
    return checked.error().WithContext("the gateway's database");
  }
  pg::SessionSettings session;
  session.url = url;
  VIGIL_ASSIGN_OR_RETURN(std::unique_ptr<pg::DeliveryTables> tables,
                         pg::DeliveryTables::Open(session));
  return std::unique_ptr<DeliveryStore>(new DatabaseDeliveryStore(std::move(tables)));
}

}  // namespace vigil::gateway
