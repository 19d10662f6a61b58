// The builder's service on the service host:
//   vigil.TriggerBuild+COMPONENT  builds the component's verified source in the sandbox,
//     streaming every line to the ledger (vigil.BuildLog) and back to the caller as it is
//     produced; then closes the log declaring the artifacts, checks the ledger's receipt,
//     has the artifacts signed (vigil.Sign+KEY) and publishes them to the `testing`
//     channel. Lines to the caller: "build ID", "log TEXT"..., and on success
//     "result JSON" (builder/build_answer.h). If the ledger or the signer is unreachable
//     or refuses, the build fails and nothing is published. The steps: builder/build_steps.h.
// Spec: docs/SPEC-builder.md.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "builder/builder_config.h"
#include "builder/publisher.h"
#include "builder/source.h"
#include "rpc/address.h"
#include "rpc/call_client.h"
#include "rpc/service_host.h"
#include "tlog/receipt_verifier.h"

namespace vigil::rpc {
class AuditLog;  // rpc/audit_log.h
}  // namespace vigil::rpc

namespace vigil::builder {

class BuilderService {
 public:
  BuilderService(std::filesystem::path config_path, BuilderConfig config, rpc::Peer ledger,
                 tlog::NoteVerifier ledger_verifier, rpc::Peer signer, rpc::AuditLog& audit,
                 std::optional<rpc::Peer> gateway = std::nullopt);

  void RegisterWith(rpc::ServiceHost& host);

 private:
  asio::awaitable<Status> TriggerBuild(rpc::Call& call);
  // The configuration as it is now and the component `name` in it.
  Result<std::pair<BuilderConfig, ComponentConfig>> LoadComponent(const std::string& name) const;

  std::filesystem::path config_path_;
  BuilderConfig config_;  // service settings; components are re-read for every build
  rpc::Peer ledger_;
  tlog::ReceiptVerifier ledger_receipts_;  // the ledger's receipts, checked with its pinned key
  rpc::Peer signer_;
  std::optional<rpc::Peer> gateway_;  // told of each published build, when configured
  rpc::AuditLog& audit_;
  Publisher publisher_;
  std::shared_ptr<SourceCache> sources_;  // shared with the build threads, which may outlive us
};

}  // namespace vigil::builder
