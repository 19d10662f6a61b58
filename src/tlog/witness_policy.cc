#include "tlog/witness_policy.h"

#include <functional>
#include <set>

#include "base/file.h"
#include "base/strict_number.h"

namespace vigil::tlog {
namespace {

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  while (!line.empty()) {
    const auto start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    const auto end = line.find(' ');
    words.push_back(line.substr(0, end));
    line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  }
  return words;
}

Status ParseGroup(const std::vector<std::string_view>& words, WitnessPolicy& policy,
                  const std::function<Error(const std::string&)>& bad) {
  if (words.size() < 4) return bad("a group needs a name, K|all|any and its members");
  WitnessPolicy::Group group;
  std::set<std::string_view> seen;
  for (std::size_t i = 3; i < words.size(); ++i) {
    const std::string member(words[i]);
    if (!policy.witnesses.contains(member) && !policy.groups.contains(member)) {
      return bad("the member " + member + " is not a witness or group defined above");
    }
    if (!seen.insert(words[i]).second) return bad("the member " + member + " is listed twice");
    group.members.push_back(member);
  }
  if (words[2] == "all") {
    group.threshold = group.members.size();
  } else if (words[2] == "any") {
    group.threshold = 1;
  } else {
    const ScannedNumber<std::uint64_t> k = ScanUnsigned(words[2], 1, group.members.size());
    if (!k.ok()) return bad("the threshold must be all, any or 1 to the number of members");
    group.threshold = static_cast<std::size_t>(k.value);
  }
  policy.groups.emplace(std::string(words[1]), std::move(group));
  return OkStatus();
}

Status ParseLine(const std::vector<std::string_view>& words, WitnessPolicy& policy,
                 const std::function<Error(const std::string&)>& bad) {
  const std::string_view keyword = words[0];
  if (keyword == "log" && (words.size() == 2 || words.size() == 3)) {
    if (policy.log) return bad("a second log line");
    VIGIL_ASSIGN_OR_RETURN(policy.log, NoteVerifier::Parse(words[1]));
    return OkStatus();
  }
  if (keyword == "quorum" && words.size() == 2) {
    policy.quorum = std::string(words[1]);
    return OkStatus();
  }
  const bool defines = keyword == "witness" || keyword == "group";
  if (defines && words.size() >= 3) {
    const std::string name(words[1]);
    if (name == "none" || policy.witnesses.contains(name) || policy.groups.contains(name)) {
      return bad("the name " + name + " is taken");
    }
    if (keyword == "group") return ParseGroup(words, policy, bad);
    if (words.size() > 4) return bad("a witness line is: witness NAME VKEY [URL]");
    VIGIL_ASSIGN_OR_RETURN(CosignatureVerifier key, CosignatureVerifier::Parse(words[2]));
    policy.witnesses.emplace(name, std::move(key));
    if (words.size() == 4) policy.urls.emplace(name, std::string(words[3]));
    return OkStatus();
  }
  return bad("expected log, witness, group or quorum with their fields");
}

}  // namespace

Result<WitnessPolicy> ParseWitnessPolicy(std::string_view text) {
  if (text.size() > 64 * 1024) return Error::BadInput("a witness policy is at most 64 KiB");
  WitnessPolicy policy;
  bool quorum_none = false;
  int number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++number;
    const std::vector<std::string_view> words = Words(line);
    if (words.empty() || words[0].starts_with("#")) continue;
    const auto bad = [number](const std::string& why) {
      return Error::BadInput("witness policy line " + std::to_string(number) + ": " + why);
    };
    if (words[0] == "quorum" && (quorum_none || policy.quorum)) return bad("a second quorum line");
    if (words[0] == "quorum" && words.size() == 2 && words[1] == "none") {
      quorum_none = true;
      continue;
    }
    VIGIL_RETURN_IF_ERROR(ParseLine(words, policy, bad));
  }
  if (!quorum_none && !policy.quorum)
    return Error::BadInput("the witness policy has no quorum line");
  if (policy.quorum && !policy.witnesses.contains(*policy.quorum) &&
      !policy.groups.contains(*policy.quorum)) {
    return Error::BadInput("the witness policy's quorum " + *policy.quorum + " is not defined");
  }
  return policy;
}

Result<WitnessPolicy> ReadWitnessPolicy(const std::filesystem::path& path) {
  Result<Bytes> bytes = ReadFile(path, 64 * 1024);
  if (!bytes.ok()) return bytes.error().WithContext("the witness policy");
  Result<WitnessPolicy> policy = ParseWitnessPolicy(AsText(*bytes));
  if (!policy.ok()) return policy.error().WithContext(path.string());
  return policy;
}

bool QuorumMet(const WitnessPolicy& policy, const std::set<std::string>& cosigned) {
  if (!policy.quorum) return true;
  // Groups name only what is defined above them, so this recursion ends.
  const std::function<bool(const std::string&)> satisfied = [&](const std::string& name) {
    if (policy.witnesses.contains(name)) return cosigned.contains(name);
    const WitnessPolicy::Group& group = policy.groups.at(name);
    std::size_t count = 0;
    for (const std::string& member : group.members) count += satisfied(member) ? 1 : 0;
    return count >= group.threshold;
  };
  return satisfied(*policy.quorum);
}

Status CheckWitnessPolicy(const WitnessPolicy& policy, std::string_view signed_checkpoint) {
  if (policy.log) VIGIL_RETURN_IF_ERROR(OpenNote(signed_checkpoint, *policy.log).status());
  if (!policy.quorum) return OkStatus();
  VIGIL_ASSIGN_OR_RETURN(SignedNote note, SplitSignedNote(signed_checkpoint));
  std::set<std::string> cosigned;
  for (const auto& [name, key] : policy.witnesses) {
    if (key.Verify(note).ok()) cosigned.insert(name);
  }
  if (QuorumMet(policy, cosigned)) return OkStatus();
  std::string who;
  for (const std::string& name : cosigned) who += (who.empty() ? "" : ", ") + name;
  return Error::Failed("witness policy not met: " + *policy.quorum + " is not satisfied (" +
                       (who.empty() ? std::string("no witness cosigned") : "cosigned by " + who) +
                       ")");
}

}  // namespace vigil::tlog
