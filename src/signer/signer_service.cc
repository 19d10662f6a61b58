#include "signer/signer_service.h"

#include <asio/this_coro.hpp>
#include <chrono>
#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "crypto/hash.h"
#include "provenance/dsse.h"
#include "provenance/provenance.h"
#include "provenance/sign_request.h"
#include "provenance/signature_record.h"
#include "rpc/audit_log.h"
#include "tlog/receipt.h"

namespace vigil::signer {
namespace {

using Json = nlohmann::json;

std::int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void SignerService::RegisterWith(rpc::ServiceHost& host) {
  host.Register("vigil.Sign", [this](rpc::Call& call) { return Sign(call); });
}

asio::awaitable<Result<std::string>> SignerService::ReadRequest(rpc::Call& call) {
  std::string body;
  while (true) {
    auto chunk = co_await call.Read();
    if (!chunk.ok()) co_return chunk.error();
    if (!chunk->has_value()) co_return body;
    body += **chunk;
    if (body.size() > provenance::kMaxSignRequestSize) {
      co_return Error::BadInput("the request is over " +
                                std::to_string(provenance::kMaxSignRequestSize) + " bytes");
    }
  }
}

Result<std::string> SignerService::SignStatement(SigningKey& key, const std::string& key_id,
                                                 const Approval& approval) const {
  provenance::ProvenanceFacts facts{approval.build, approval.subjects, approver_.trust().origin,
                                    approval.ledger_index};
  const std::string statement = provenance::MakeStatement(facts);
  provenance::DsseEnvelope envelope{
      std::string(provenance::kInTotoPayloadType), Bytes(statement.begin(), statement.end()), {}};
  VIGIL_ASSIGN_OR_RETURN(Bytes signature, key.Sign(provenance::PreAuthEncoding(
                                              envelope.payload_type, envelope.payload)));
  envelope.signatures.push_back({key_id, std::move(signature)});
  return provenance::SerializeEnvelope(envelope);
}

asio::awaitable<Status> SignerService::Sign(rpc::Call& call) {
  Json audit{{"event", "sign"},
             {"caller", call.caller().name},
             {"caller_tags", call.caller().tags},
             {"key", call.argument()}};
  auto refuse = [&](std::string check, Error error) -> Status {
    audit["decision"] = "refused";
    audit["check"] = std::move(check);
    audit["reason"] = error.message();
    audit_.Record(audit);
    return error;
  };

  auto key = keys_.find(call.argument());
  if (key == keys_.end()) {
    co_return refuse("key", Error::BadInput("the signer has no key named '" + call.argument() +
                                            "': call vigil.Sign+KEYNAME with a configured key"));
  }
  SigningKey& signing_key = *key->second;
  const std::string key_id = signing_key.public_key().KeyId();
  audit["key_id"] = key_id;

  auto body = co_await ReadRequest(call);
  if (!body.ok()) co_return refuse("request", body.error());
  auto request = provenance::ParseSignRequest(*body);
  if (!request.ok()) co_return refuse("request", request.error());
  audit["digests"] = nlohmann::json::array();
  for (const crypto::Sha256Digest& digest : request->digests) {
    audit["digests"].push_back(crypto::Sha256Hex(digest));
  }

  Verdict verdict = approver_.Check(*request, call.caller(), NowSeconds());
  if (!verdict.approved()) {
    co_return refuse(verdict.check,
                     Error::Failed("refused (" + verdict.check + "): " + verdict.reason));
  }
  const Approval& approval = verdict.approval;
  audit["build_id"] = approval.build.build_id;
  audit["build_index"] = approval.ledger_index;

  Status reserved = replay_.Reserve(key_id, approval.build.build_id);
  if (!reserved.ok()) {
    co_return refuse("replay", Error::Failed("refused (replay): " + reserved.error().message()));
  }

  auto envelope_text = SignStatement(signing_key, key_id, approval);
  if (!envelope_text.ok()) {
    (void)replay_.Release(key_id, approval.build.build_id);
    co_return refuse("sign", envelope_text.error());
  }
  const std::string envelope_sha256 = HexEncode(crypto::Sha256(AsBytes(*envelope_text)));

  // Nothing leaves the signer unless the ledger has the record of it.
  const std::string record = provenance::SerializeSignatureRecord(
      {approval.build.build_id, approval.ledger_index, envelope_sha256, key_id, call.argument(),
       approval.subjects});
  auto record_index = co_await AppendRecord(record, envelope_sha256);
  if (!record_index.ok()) {
    (void)replay_.Release(key_id, approval.build.build_id);
    co_return refuse("ledger", record_index.error().WithContext(
                                   "the ledger did not take the signature record, so nothing "
                                   "was signed"));
  }
  Status completed =
      replay_.Complete(key_id, approval.build.build_id, envelope_sha256, *record_index);
  if (!completed.ok()) co_return refuse("replay", completed.error());

  audit["decision"] = "granted";
  audit["envelope_sha256"] = envelope_sha256;
  audit["record_index"] = *record_index;
  audit_.Record(audit);
  co_return co_await call.Write(*envelope_text + "\n");
}

asio::awaitable<Result<std::uint64_t>> SignerService::AppendRecord(
    const std::string& record, const std::string& envelope_sha256) {
  auto executor = co_await asio::this_coro::executor;
  // Named lvalues only: GCC 12 destroys a temporary passed to a coroutine's by-value
  // parameter twice.
  const rpc::CallRequest request{"vigil.Append", "signature"};
  auto outcome = co_await ledger_.CallAsync(executor, request, record, tlog::kMaxReceiptSize);
  if (!outcome.ok()) co_return outcome.error();
  if (outcome->exit_code != 0) {
    co_return Error::Failed("the ledger refused the record: " + outcome->message);
  }
  auto receipt = tlog::ParseReceipt(outcome->output);
  if (!receipt.ok()) co_return receipt.error().WithContext("the ledger's receipt");
  auto proven = approver_.receipts().Verify(*receipt);
  if (!proven.ok()) co_return proven.error().WithContext("the ledger's receipt");
  if (!receipt->extra) co_return Error::Failed("the ledger's receipt does not carry the record");
  const auto logged = provenance::ParseLoggedSignature(*receipt->extra);
  if (!logged.ok() || logged->record.envelope_sha256 != envelope_sha256) {
    co_return Error::Failed("the ledger's receipt is for another record");
  }
  co_return receipt->index;
}

}  // namespace vigil::signer
