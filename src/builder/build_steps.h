// The steps of one build (BuilderService::TriggerBuild runs them in this order), each a
// function of its inputs so that it can be tried on its own:
//   open the log          at the ledger (ledger::BuildLogClient, in builder_service.cc)
//   fetch the source      FetchSource: fetched, verified, who signed it reported
//   take from the cache   (cache = true) CacheInputsFor, BuildCache, Publisher::Reread: a
//                         hit skips the sandbox and the signer (builder/build_cache.h)
//   fetch the inputs      EnsureInputs: each pinned input verified and reported
//   run the sandbox       SandboxFor, then RunSandboxed: the build's output reported line by
//                         line, its exit judged against the limits
//   declare artifacts     CollectArtifacts: the files of /out/dist, hashed here
//   close and prove       CloseAndProve (builder/close_and_prove.h), then ProveLog: the
//                         ledger's receipt verified and shown to be this build's closed log
//   sign                  SignRequestFor, then CheckSignerAnswer
//   publish               PublicationFor, then Publisher::Publish; ResultFor answers
// A step's error is the build's: its message says what failed and what was not done.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/subprocess.h"
#include "builder/build_answer.h"
#include "builder/build_cache.h"
#include "builder/builder_config.h"
#include "builder/external_input.h"
#include "builder/publisher.h"
#include "builder/sandbox.h"
#include "builder/source.h"
#include "tlog/receipt_verifier.h"

namespace vigil::builder {

// Reports one line of the build's log; false once nobody takes lines any more.
using Say = std::function<bool(const std::string& line)>;

// Fetches and verifies the component's source, reporting the commit and its signers.
Result<VerifiedSource> FetchSource(SourceCache& sources, const SourcePolicy& policy,
                                   const Say& say);

// The command run in the sandbox: the component's, or `vigil image build SPEC --out
// /out/dist`.
std::vector<std::string> BuildCommandOf(const ComponentConfig& component);

// A verified external input, as the sandbox mounts it: (file outside, NAME under /inputs).
using MountedInput = std::pair<std::filesystem::path, std::string>;

// The component's pinned inputs, each verified (fetched into `store` first when missing)
// and reported as "input: NAME from SOURCE sha256 HEX (...)". BadInput when one does not
// match its pin, MissingEnv when one cannot be fetched: nothing is built then.
Result<std::vector<MountedInput>> EnsureInputs(const InputStore& store,
                                               const ComponentConfig& component, const Say& say);

// Everything the build cache's key covers for this build (hashes the tools directory and
// lists the installed packages).
Result<CacheInputs> CacheInputsFor(const BuilderConfig& config, const ComponentConfig& component,
                                   const VerifiedSource& source);

// The sandbox for building `source` into `out_dir` with the component's command.
SandboxSpec SandboxFor(const BuilderConfig& config, const ComponentConfig& component,
                       const VerifiedSource& source, const std::filesystem::path& out_dir,
                       std::vector<MountedInput> inputs = {});
// The line that announces the sandbox's command.
std::string DescribeSandbox(const SandboxSpec& sandbox);

struct BuildLimits {
  std::chrono::seconds timeout{900};
  std::uint64_t max_log_lines = 200'000;
};

// Runs `command` (SandboxCommand's), reporting every line of its output (a last line
// without newline too). OK only when it exited with status 0 within the limits; otherwise
// Failed, saying which limit or status.
Status RunSandboxed(const Command& command, const BuildLimits& limits, const Say& say);

// The log line that declares an artifact: "artifact: NAME sha256 HEX".
std::string ArtifactLine(const PublishedArtifact& artifact);

// The regular files of `dist` (not symlinks, not in subdirectories), sorted, each hashed
// here rather than trusting the build's own sums, each reported as "artifact: NAME sha256
// HEX". Failed when there are none or more than the BuildLog protocol takes.
Result<std::vector<PublishedArtifact>> CollectArtifacts(const std::filesystem::path& dist,
                                                        const Say& say);

// The ledger's receipt of a closed build log, verified.
struct ProvenLog {
  std::string receipt;  // the text, published beside the build and sent to the signer
  std::uint64_t index = 0;
  std::uint64_t checkpoint_size = 0;
};

// Parses the receipt, verifies it against the ledger's key and checks that its entry is
// the closed log of `build_id`.
Result<ProvenLog> ProveLog(const std::string& receipt, const tlog::ReceiptVerifier& ledger,
                           const std::string& build_id);

// The body of vigil.Sign+KEY: the receipt and the artifacts' digests.
std::string SignRequestFor(const ProvenLog& log, const std::vector<PublishedArtifact>& artifacts);

struct SignedProvenance {
  std::string envelope;  // without trailing newlines
  std::string key_id;
};

// The signer's answer, published only if it is a well-formed DSSE envelope.
Result<SignedProvenance> CheckSignerAnswer(std::string answer, const std::string& build_id);

Publication PublicationFor(const std::string& build_id, const ComponentConfig& component,
                           const VerifiedSource& source, const ProvenLog& log,
                           const SignedProvenance& provenance,
                           std::vector<PublishedArtifact> artifacts);

// The answer's result line for a published build.
BuildResult ResultFor(const Publication& publication, const std::filesystem::path& published);

}  // namespace vigil::builder
