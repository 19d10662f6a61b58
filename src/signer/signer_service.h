// The signer's service on the service host:
//   vigil.Sign+KEYNAME  the caller sends a SignRequest (provenance/sign_request.h) and half-closes;
//   the
//     signer runs the checks (approval.h), reserves the (key, build) pair durably
//     (replay_store.h), signs a DSSE envelope over an in-toto Statement with SLSA
//     provenance, appends a "signature" record for it to the ledger (vigil.Append+signature)
//     and only then answers the envelope. Any failure answers the reason and signs nothing.
// Every decision goes to the audit log. Spec: docs/SPEC-signer.md.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "rpc/address.h"
#include "rpc/call_client.h"
#include "rpc/service_host.h"
#include "signer/approval.h"
#include "signer/replay_store.h"
#include "signer/signing_key.h"

namespace vigil::rpc {
class AuditLog;  // rpc/audit_log.h
}  // namespace vigil::rpc

namespace vigil::signer {

class SignerService {
 public:
  SignerService(Approver& approver, ReplayStore& replay, SigningKeys& keys, rpc::AuditLog& audit,
                rpc::Peer ledger)
      : approver_(approver),
        replay_(replay),
        keys_(keys),
        audit_(audit),
        ledger_(std::move(ledger)) {}

  void RegisterWith(rpc::ServiceHost& host);

 private:
  asio::awaitable<Status> Sign(rpc::Call& call);
  // The request's body, at most provenance::kMaxSignRequestSize bytes.
  static asio::awaitable<Result<std::string>> ReadRequest(rpc::Call& call);
  // The DSSE envelope of the approved build's statement, signed with `key`.
  Result<std::string> SignStatement(SigningKey& key, const std::string& key_id,
                                    const Approval& approval) const;
  // Appends the signature record; returns its ledger index once the ledger's receipt for it
  // verifies against the pinned key. The caller keeps the arguments alive (it awaits).
  asio::awaitable<Result<std::uint64_t>> AppendRecord(const std::string& record,
                                                      const std::string& envelope_sha256);

  Approver& approver_;
  ReplayStore& replay_;
  SigningKeys& keys_;
  rpc::AuditLog& audit_;
  rpc::Peer ledger_;  // where signature records are appended
};

}  // namespace vigil::signer
