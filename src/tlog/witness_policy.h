// Which witnesses' cosignatures a checkpoint needs (C2SP tlog-policy): lines of
//   log VKEY [URL]                  the log's note key (optional here)
//   witness NAME VKEY [URL]         a witness and its cosignature key
//   group NAME K|all|any MEMBER...  satisfied when K of its members are (witnesses or groups
//                                   defined above it)
//   quorum NAME|none                the witness or group that must be satisfied
// Blank lines and lines starting with '#' are skipped. Spec: docs/SPEC-witness.md.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "tlog/cosignature.h"
#include "tlog/note.h"

namespace vigil::tlog {

struct WitnessPolicy {
  std::optional<NoteVerifier> log;
  std::map<std::string, CosignatureVerifier> witnesses;
  std::map<std::string, std::string> urls;  // witness name -> URL, where the line gives one
  struct Group {
    std::size_t threshold = 0;
    std::vector<std::string> members;
  };
  std::map<std::string, Group> groups;
  std::optional<std::string> quorum;  // none: no cosignature needed
};

// BadInput naming the line for anything else: an unknown keyword, a name used twice, a
// member not defined above, a threshold above the member count, no quorum line, or a quorum
// naming nothing defined.
Result<WitnessPolicy> ParseWitnessPolicy(std::string_view text);

// Reads and parses the policy file `path` (at most 64 KiB); errors name the file.
Result<WitnessPolicy> ReadWitnessPolicy(const std::filesystem::path& path);

// Whether the witnesses named in `cosigned` satisfy the policy's quorum (true for none).
bool QuorumMet(const WitnessPolicy& policy, const std::set<std::string>& cosigned);

// OK when `signed_checkpoint` carries enough valid cosignatures for the policy's quorum
// (and, with a log line, a valid signature by the log); Failed "witness policy not met"
// naming the witnesses that did cosign otherwise.
Status CheckWitnessPolicy(const WitnessPolicy& policy, std::string_view signed_checkpoint);

}  // namespace vigil::tlog
