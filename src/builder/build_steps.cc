#include "builder/build_steps.h"

#include <algorithm>
#include <future>

#include "crypto/file_hash.h"
#include "encoding/build_log_limits.h"
#include "provenance/build_log_entry.h"
#include "provenance/dsse.h"
#include "provenance/sign_request.h"
#include "tlog/receipt.h"

namespace vigil::builder {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxArtifactSize = 4ull << 30;
constexpr std::size_t kMaxArtifacts = encoding::kMaxBuildArtifacts;

// Why a sandbox that ran did not succeed, in the order the limits are checked.
Status JudgeExit(const Exit& exit, bool too_many_lines, const BuildLimits& limits) {
  if (too_many_lines) {
    return Error::Failed("the build wrote more than " + std::to_string(limits.max_log_lines) +
                         " log lines (limit)");
  }
  if (exit.timed_out) {
    return Error::Failed("the build exceeded its time limit of " +
                         std::to_string(limits.timeout.count()) + " s");
  }
  if (exit.signal != 0) {
    return Error::Failed("the build was killed by signal " + std::to_string(exit.signal));
  }
  if (exit.code != 0) {
    return Error::Failed("the build exited with status " + std::to_string(exit.code));
  }
  return OkStatus();
}

}  // namespace

Result<VerifiedSource> FetchSource(SourceCache& sources, const SourcePolicy& policy,
                                   const Say& say) {
  say("source: fetching " + policy.repository + " (branch " + policy.branch + ")");
  auto source = sources.Fetch(policy);
  if (!source.ok()) return source.error().WithContext("source refused");
  if (!policy.pinned_commit.empty()) {
    say("source: commit " + source->commit + " (pinned in the builder's configuration)");
  }
  for (const TagSigner& signer : source->signers) {
    say("source: commit " + source->commit + " tag " + signer.tag + " signed by " +
        signer.fingerprint + " (" + signer.uid + ")");
  }
  for (const std::string& reason : source->refused) say("source: not counted: " + reason);
  return source;
}

std::vector<std::string> BuildCommandOf(const ComponentConfig& component) {
  if (!component.command.empty()) return component.command;
  return {"vigil", "image", "build", component.spec, "--out", "/out/dist"};
}

Result<std::vector<MountedInput>> EnsureInputs(const InputStore& store,
                                               const ComponentConfig& component, const Say& say) {
  std::vector<MountedInput> mounted;
  for (const ExternalInput& input : component.inputs) {
    VIGIL_ASSIGN_OR_RETURN(const InputStore::Found found, store.Ensure(input));
    say("input: " + input.pinned.name + " from " + input.Source() + " sha256 " +
        input.pinned.hex() +
        (found.fetched ? " (fetched, verified)" : " (in the builder's store, verified)") +
        ", read-only at /inputs/" + input.pinned.name);
    mounted.emplace_back(found.file, input.pinned.name);
  }
  return mounted;
}

Result<CacheInputs> CacheInputsFor(const BuilderConfig& config, const ComponentConfig& component,
                                   const VerifiedSource& source) {
  CacheInputs inputs{.component = component.name,
                     .signing_key = component.key,
                     .command = BuildCommandOf(component),
                     .tree_id = source.tree_id,
                     .source_date_epoch = source.commit_time,
                     .inputs = component.inputs};
  VIGIL_ASSIGN_OR_RETURN(inputs.tools_sha256, DirectoryDigest(config.tools));
  VIGIL_ASSIGN_OR_RETURN(inputs.packages_sha256, InstalledPackagesDigest());
  return inputs;
}

SandboxSpec SandboxFor(const BuilderConfig& config, const ComponentConfig& component,
                       const VerifiedSource& source, const fs::path& out_dir,
                       std::vector<MountedInput> inputs) {
  SandboxSpec sandbox;
  sandbox.source_dir = source.tree;
  sandbox.tools_dir = config.tools;
  sandbox.out_dir = out_dir;
  sandbox.source_date_epoch = source.commit_time;
  sandbox.max_file_size = config.max_file_bytes;
  sandbox.inputs = std::move(inputs);
  sandbox.argv = BuildCommandOf(component);
  return sandbox;
}

std::string DescribeSandbox(const SandboxSpec& sandbox) {
  std::string argv_text;
  for (const std::string& arg : sandbox.argv) argv_text += " " + arg;
  return "build:" + argv_text + " (sandboxed: no network, read-only source, SOURCE_DATE_EPOCH=" +
         std::to_string(sandbox.source_date_epoch) + ")";
}

Status RunSandboxed(const Command& command, const BuildLimits& limits, const Say& say) {
  std::string pending;
  std::uint64_t lines = 0;
  bool too_much = false;
  auto exit = RunStreaming(command, limits.timeout, [&](std::string_view chunk) {
    pending.append(chunk);
    std::size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      if (++lines > limits.max_log_lines) {
        too_much = true;
        return false;
      }
      if (!say(pending.substr(0, newline))) return false;
      pending.erase(0, newline + 1);
    }
    return true;
  });
  if (!pending.empty() && !too_much) say(pending);
  if (!exit.ok()) return exit.error().WithContext("cannot start the sandbox (bwrap)");
  return JudgeExit(*exit, too_much, limits);
}

std::string ArtifactLine(const PublishedArtifact& artifact) {
  return "artifact: " + artifact.name + " sha256 " + artifact.hex();
}

Result<std::vector<PublishedArtifact>> CollectArtifacts(const fs::path& dist, const Say& say) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dist, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file() && !it->is_symlink()) files.push_back(it->path());
  }
  if (ec || files.empty() || files.size() > kMaxArtifacts) {
    return Error::Failed("the build produced no artifacts in /out/dist");
  }
  std::sort(files.begin(), files.end());
  // In parallel: images are large.
  std::vector<std::future<Result<crypto::Sha256Digest>>> hashes;
  for (const fs::path& file : files) {
    hashes.push_back(std::async(std::launch::async,
                                [file] { return crypto::Sha256OfFile(file, kMaxArtifactSize); }));
  }
  std::vector<PublishedArtifact> artifacts;
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto sha256 = hashes[i].get();
    if (!sha256.ok()) return sha256.error();
    artifacts.push_back({files[i].filename().string(), *sha256});
    say(ArtifactLine(artifacts.back()));
  }
  return artifacts;
}

Result<ProvenLog> ProveLog(const std::string& receipt, const tlog::ReceiptVerifier& ledger,
                           const std::string& build_id) {
  auto parsed = tlog::ParseReceipt(receipt);
  Result<tlog::Checkpoint> proven = parsed.ok() ? ledger.Verify(*parsed) : parsed.error();
  if (!proven.ok()) {
    return proven.error().WithContext("the ledger's receipt for build " + build_id +
                                      " does not verify; nothing was signed or published");
  }
  auto entry = provenance::ParseBuildLogEntry(*parsed->extra);
  if (!entry.ok() || entry->build_id != build_id || entry->status != "closed") {
    return Error::Failed("the ledger's receipt is not for build " + build_id);
  }
  return ProvenLog{receipt, parsed->index, proven->size};
}

std::string SignRequestFor(const ProvenLog& log, const std::vector<PublishedArtifact>& artifacts) {
  provenance::SignRequest request{log.receipt, {}};
  for (const PublishedArtifact& artifact : artifacts) request.digests.push_back(artifact.sha256);
  return provenance::FormatSignRequest(request);
}

Result<SignedProvenance> CheckSignerAnswer(std::string answer, const std::string& build_id) {
  while (!answer.empty() && answer.back() == '\n') answer.pop_back();
  auto envelope = provenance::ParseEnvelope(answer);
  if (!envelope.ok()) {
    return Error::Failed("the signer's answer for build " + build_id + " is not a DSSE envelope (" +
                         envelope.error().message() + "); nothing was published");
  }
  std::string key_id = envelope->signatures.front().keyid;
  return SignedProvenance{std::move(answer), std::move(key_id)};
}

Publication PublicationFor(const std::string& build_id, const ComponentConfig& component,
                           const VerifiedSource& source, const ProvenLog& log,
                           const SignedProvenance& provenance,
                           std::vector<PublishedArtifact> artifacts) {
  Publication publication;
  publication.component = component.name;
  publication.version = source.version;
  publication.commit = source.commit;
  publication.build_id = build_id;
  publication.ledger_index = log.index;
  for (const TagSigner& signer : source.signers) {
    publication.signers.push_back(signer.fingerprint);
  }
  publication.key_id = provenance.key_id;
  publication.artifacts = std::move(artifacts);
  publication.envelope = provenance.envelope + "\n";
  publication.receipt = log.receipt;
  return publication;
}

BuildResult ResultFor(const Publication& publication, const fs::path& published) {
  return BuildResult{publication.build_id, publication.component,    publication.version,
                     publication.commit,   publication.ledger_index, published.string(),
                     publication.key_id};
}

}  // namespace vigil::builder
