// The build's "close and prove" step (see builder/build_steps.h for the others): on the
// service's event loop, since it speaks to the ledger through the build's open log.
#pragma once

#include <asio/awaitable.hpp>
#include <string>
#include <vector>

#include "base/result.h"
#include "builder/build_steps.h"
#include "builder/publisher.h"
#include "ledger/build_log_client.h"
#include "tlog/receipt_verifier.h"

namespace vigil::builder {

// Declares the artifacts of a build that succeeded (`built` OK), closes the log (a failed
// build is logged too: closed, with no artifacts) and verifies the ledger's receipt with
// ProveLog. Errors: the build's own, when it failed; the ledger's, when it did not close
// the log or its receipt does not verify; each saying that nothing was signed or published.
asio::awaitable<Result<ProvenLog>> CloseAndProve(ledger::BuildLogClient& log, const Status& built,
                                                 const std::vector<PublishedArtifact>& artifacts,
                                                 const std::string& build_id,
                                                 const tlog::ReceiptVerifier& ledger);

}  // namespace vigil::builder
