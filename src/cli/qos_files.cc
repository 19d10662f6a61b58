#include "cli/qos_files.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "attestation/pcrs_file.h"
#include "base/file.h"
#include "base/strict_number.h"
#include "crypto/envelope.h"
#include "crypto/hash.h"
#include "quorum/manifest_json.h"
#include "quorum/reshard_json.h"

namespace vigil::cli {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

Result<std::string> FirstLine(const std::string& path, std::size_t max) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(path, max));
  std::string line(AsText(text));
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return Error::BadInput(path + ": the first line is empty");
  return line;
}

// A qos_client set directory: ALIAS.pub files (alias = the name before the first '.') and
// quorum_threshold; members sorted by alias.
Result<ordered_json> ReadSetDir(const std::string& dir, bool with_alias) {
  std::vector<std::pair<std::string, std::string>> members;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (entry.path().extension() != ".pub") continue;
    VIGIL_ASSIGN_OR_RETURN(std::string key, FirstLine(entry.path().string(), 4096));
    members.emplace_back(file.substr(0, file.find('.')), key);
  }
  if (ec) return Error::BadInput("cannot list " + dir + ": " + ec.message());
  if (members.empty()) return Error::BadInput(dir + " holds no ALIAS.pub files");
  std::sort(members.begin(), members.end());
  VIGIL_ASSIGN_OR_RETURN(std::string threshold_text, FirstLine(dir + "/quorum_threshold", 64));
  VIGIL_ASSIGN_OR_RETURN(std::uint64_t threshold,
                         ParseUnsigned(threshold_text, dir + "/quorum_threshold", 1, 255));
  ordered_json set{{"threshold", threshold}, {"members", ordered_json::array()}};
  for (const auto& [alias, key] : members) {
    set["members"].push_back(with_alias ? ordered_json{{"alias", alias}, {"pubKey", key}}
                                        : ordered_json{{"pubKey", key}});
  }
  return set;
}

// PCR0-2 from QuorumOS's aws-x86_64.pcrs, else Vigil's one NAME.pcrs.
Result<std::map<int, Bytes>> ReleasePcrs(const std::string& dir) {
  fs::path file = fs::path(dir) / "aws-x86_64.pcrs";
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".pcrs") found.push_back(entry.path());
    }
    if (found.size() != 1) {
      return Error::BadInput(dir + " must hold aws-x86_64.pcrs or exactly one NAME.pcrs");
    }
    file = found[0];
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(file, 64 * 1024));
  VIGIL_ASSIGN_OR_RETURN(auto pcrs, attestation::ParsePcrsFile(AsText(text)));
  for (int i = 0; i < 3; ++i) {
    if (!pcrs.contains(i)) return Error::BadInput(file.string() + " lacks PCR" + std::to_string(i));
  }
  return pcrs;
}

Result<quorum::MemberSet> ReadMemberSetDir(const std::string& dir) {
  VIGIL_ASSIGN_OR_RETURN(ordered_json set, ReadSetDir(dir, true));
  Result<quorum::MemberSet> members =
      quorum::ReadMemberSetJsonValue(nlohmann::json::parse(set.dump()), dir);
  if (!members.ok()) return members.error().WithContext(dir);
  return members;
}

Result<quorum::ManifestEnvelope> ReadEnvelopeFile(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(path, quorum::kMaxManifestJsonBytes));
  Result<quorum::ManifestEnvelope> envelope = quorum::ParseEnvelopeJson(AsText(text));
  if (!envelope.ok()) return envelope.error().WithContext(path);
  return envelope;
}

Result<CheckedReshard> ReadReshardEnvelopeFile(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(path, quorum::kMaxManifestJsonBytes));
  CheckedReshard checked;
  Result<quorum::ReshardEnvelope> envelope = quorum::ParseReshardEnvelopeJson(AsText(text));
  if (!envelope.ok()) return envelope.error().WithContext(path);
  checked.envelope = std::move(*envelope);
  Status valid = quorum::CheckReshardManifest(checked.envelope.reshard);
  if (!valid.ok()) return valid.error().WithContext(path);
  VIGIL_ASSIGN_OR_RETURN(checked.hash, quorum::ReshardHash(checked.envelope.reshard));
  Status approved = quorum::CheckReshardApprovals(checked.envelope, checked.hash);
  if (!approved.ok()) return approved.error().WithContext(path);
  return checked;
}

Result<Bytes> Pcr3FromPreimage(const std::string& path) {
  VIGIL_ASSIGN_OR_RETURN(std::string role, FirstLine(path, 4096));
  Bytes input(48, 0);
  input.insert(input.end(), role.begin(), role.end());
  const crypto::Sha384Digest pcr3 = crypto::Sha384(input);
  return Bytes(pcr3.begin(), pcr3.end());
}

Status KeepOwnShare(const std::vector<quorum::GenesisMemberOutput>& outputs,
                    const crypto::qos::P256Pair& me, const std::string& alias,
                    const std::string& out, const std::string& what) {
  const quorum::GenesisMemberOutput* mine = nullptr;
  for (const auto& member : outputs) {
    if (member.share_set_member.alias == alias &&
        member.share_set_member.pub_key == me.public_key()) {
      mine = &member;
    }
  }
  if (mine == nullptr) {
    return Error::Failed(what + " holds no share for " + alias + " with this key; nothing written");
  }
  VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes share,
                         crypto::qos::Decrypt(me, mine->encrypted_quorum_key_share));
  if (crypto::Sha512(share.view()) != mine->share_hash) {
    return Error::Failed("the decrypted share does not match its share_hash; nothing written");
  }
  return CreateFileAtomic(out, mine->encrypted_quorum_key_share, 0600);
}

}  // namespace vigil::cli
