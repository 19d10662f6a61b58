// The ledger's side of C2SP tlog-witness: each new signed checkpoint goes to the witnesses
// of the ledger's witness policy (those with a URL), in parallel, with a consistency proof
// from the size each witness last cosigned (learnt from its 409 answer after a restart),
// until their verified cosignatures meet the policy's quorum or the wait runs out. The
// checkpoint is then published with those cosignature lines, or not at all ("witness
// policy not met"). Spec: docs/SPEC-witness.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "http/client.h"
#include "tlog/store.h"
#include "tlog/witness_policy.h"

namespace vigil::ledger {

struct WitnessingOptions {
  // How long a new checkpoint waits for the quorum before its batch fails.
  std::chrono::milliseconds wait{10'000};
  // One add-checkpoint request: connect, send, answer.
  std::chrono::milliseconds request_timeout{3'000};
};

class CheckpointWitnesses {
 public:
  // BadInput when a URL is not http://HOST:PORT or when the witnesses with a URL cannot
  // meet the quorum; a policy of quorum none needs no witnesses (use no cosigning then).
  static Result<std::unique_ptr<CheckpointWitnesses>> Create(tlog::WitnessPolicy policy,
                                                             WitnessingOptions options);

  // tlog::CheckpointCosigning: `note` with the cosignature lines that meet the quorum.
  Result<std::string> Cosign(const std::string& note, std::uint64_t size,
                             const tlog::ConsistencyProver& prove);

 private:
  CheckpointWitnesses(tlog::WitnessPolicy policy, std::map<std::string, http::Url> urls,
                      WitnessingOptions options)
      : policy_(std::move(policy)), urls_(std::move(urls)), options_(options) {}
  // One witness's cosignature line(s) for `note`, verified.
  Result<std::string> AskOne(const std::string& name, const std::string& note, std::uint64_t size,
                             const tlog::ConsistencyProver& prove);
  Result<http::Reply> Post(const std::string& name, std::uint64_t old_size, const std::string& note,
                           std::uint64_t size, const tlog::ConsistencyProver& prove);

  const tlog::WitnessPolicy policy_;
  const std::map<std::string, http::Url> urls_;
  const WitnessingOptions options_;
  std::mutex mutex_;
  std::map<std::string, std::uint64_t> witness_sizes_;  // what each witness last cosigned
};

}  // namespace vigil::ledger
