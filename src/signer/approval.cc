#include "signer/approval.h"

#include <algorithm>
#include <set>

#include "tlog/receipt.h"

namespace vigil::signer {
namespace {

Verdict Refuse(std::string check, std::string reason) {
  Verdict verdict;
  verdict.check = std::move(check);
  verdict.reason = std::move(reason);
  return verdict;
}

bool SameIdentity(const provenance::LoggedBuild& build, const rpc::CallIdentity& caller) {
  std::set<std::string> logged(build.builder_tags.begin(), build.builder_tags.end());
  std::set<std::string> calling(caller.tags.begin(), caller.tags.end());
  return build.builder_name == caller.name && logged == calling;
}

}  // namespace

Verdict Approver::Check(const provenance::SignRequest& request, const rpc::CallIdentity& caller,
                        std::int64_t now) {
  auto receipt = tlog::ParseReceipt(request.receipt);
  if (!receipt.ok()) return Refuse("receipt", receipt.error().message());
  if (!receipt->extra) {
    return Refuse("receipt", "the receipt does not carry the entry (no extra line)");
  }
  auto checkpoint = receipts_.OpenCheckpoint(receipt->checkpoint);
  if (!checkpoint.ok()) return Refuse("checkpoint", checkpoint.error().message());

  const ByteView entry = *receipt->extra;
  Status included = tlog::VerifyReceiptInclusion(*receipt, entry, *checkpoint);
  if (!included.ok()) {
    return Refuse("inclusion", "the entry is not in the ledger: " + included.error().message());
  }

  auto build = provenance::ParseBuildLogEntry(entry);
  if (!build.ok()) return Refuse("entry", build.error().message());
  if (build->status != "closed") {
    return Refuse("entry", "build " + build->build_id + " has status \"" + build->status +
                               "\": only a build whose log was closed normally is signed");
  }

  if (!SameIdentity(*build, caller)) {
    return Refuse("builder", "build " + build->build_id + " was logged by builder '" +
                                 build->builder_name + "', not by the caller '" + caller.name +
                                 "'");
  }

  std::vector<provenance::LoggedArtifact> subjects;
  for (const crypto::Sha256Digest& digest : request.digests) {
    auto declared =
        std::find_if(build->artifacts.begin(), build->artifacts.end(),
                     [&](const provenance::LoggedArtifact& a) { return a.sha256 == digest; });
    if (declared == build->artifacts.end()) {
      return Refuse("digests", "build " + build->build_id + " did not declare an artifact " +
                                   "with SHA-256 " + crypto::Sha256Hex(digest));
    }
  }
  for (const provenance::LoggedArtifact& artifact : build->artifacts) {
    if (std::find(request.digests.begin(), request.digests.end(), artifact.sha256) !=
        request.digests.end()) {
      subjects.push_back(artifact);
    }
  }

  auto time = tlog::CheckpointTime(*checkpoint);
  if (!time.ok()) return Refuse("freshness", time.error().message());
  const std::int64_t age = now - *time;
  if (age > trust_.freshness.count()) {
    return Refuse("freshness", "the receipt's checkpoint is " + std::to_string(age) +
                                   " s old; the signer accepts at most " +
                                   std::to_string(trust_.freshness.count()) +
                                   " s: ask the ledger for a fresh build");
  }
  if (-age > trust_.max_clock_skew.count()) {
    return Refuse("freshness", "the receipt's checkpoint is " + std::to_string(-age) +
                                   " s in the future: check the ledger's and the signer's clocks");
  }

  Verdict verdict;
  verdict.approval.build = std::move(build).value();
  verdict.approval.subjects = std::move(subjects);
  verdict.approval.ledger_index = receipt->index;
  verdict.approval.checkpoint_size = checkpoint->size;
  verdict.approval.checkpoint_time = *time;
  return verdict;
}

}  // namespace vigil::signer
