#include "builder/close_and_prove.h"

namespace vigil::builder {

asio::awaitable<Result<ProvenLog>> CloseAndProve(ledger::BuildLogClient& log, const Status& built,
                                                 const std::vector<PublishedArtifact>& artifacts,
                                                 const std::string& build_id,
                                                 const tlog::ReceiptVerifier& ledger) {
  std::string declare_failure;
  if (built.ok()) {
    for (const PublishedArtifact& artifact : artifacts) {
      const ledger::Artifact declared_artifact{artifact.name, artifact.sha256};
      Status declared = co_await log.Declare(declared_artifact);
      if (!declared.ok()) declare_failure = declared.error().message();
    }
  }
  auto receipt = co_await log.Close();
  if (!built.ok()) {
    co_return built.error().WithContext("build " + build_id +
                                        " failed; nothing was signed or published");
  }
  const bool not_closed = !receipt.ok() && receipt.error().code() == ErrorCode::kFailed;
  if (not_closed || !declare_failure.empty()) {
    co_return Error::Failed("the ledger did not close the log of build " + build_id + " (" +
                            declare_failure + (not_closed ? receipt.error().message() : "") +
                            "); nothing was signed or published");
  }
  if (!receipt.ok()) {
    co_return receipt.error().WithContext("the ledger's receipt for build " + build_id +
                                          " does not verify; nothing was signed or published");
  }
  co_return ProveLog(*receipt, ledger, build_id);
}

}  // namespace vigil::builder
