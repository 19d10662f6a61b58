// The files and directories qos_client reads, shared by `vigil quorum` commands: key-set
// directories (ALIAS.pub files and quorum_threshold), a release directory's PCRs, and the
// IAM role that is PCR3's preimage.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/p256.h"
#include "quorum/genesis_output.h"
#include "quorum/manifest.h"
#include "quorum/reshard.h"

namespace vigil::cli {

// The first line of a small text file, without its line end; BadInput when empty.
Result<std::string> FirstLine(const std::string& path, std::size_t max);

// A set directory as manifest JSON ({"threshold", "members": [{"alias", "pubKey"}]}, members
// sorted by alias; the alias is the file name before its first '.'); without aliases for a
// patch set.
Result<nlohmann::ordered_json> ReadSetDir(const std::string& dir, bool with_alias);
// The same, read into a member set (keys checked as hex).
Result<quorum::MemberSet> ReadMemberSetDir(const std::string& dir);

// PCR0-2 from QuorumOS's aws-x86_64.pcrs, else Vigil's one NAME.pcrs.
Result<std::map<int, Bytes>> ReleasePcrs(const std::string& dir);

// A manifest envelope file (qos_client's JSON), errors naming the file.
Result<quorum::ManifestEnvelope> ReadEnvelopeFile(const std::string& path);

// A share holder's own share from a genesis or reshard output: the member output for
// `alias` with `me`'s key, decrypted, its SHA-512 checked against share_hash, then written
// to `out` still encrypted to `me` (130 bytes, as qos_client keeps ALIAS.share): never a
// plaintext share on disk. `what` names the output in errors ("the genesis output").
Status KeepOwnShare(const std::vector<quorum::GenesisMemberOutput>& outputs,
                    const crypto::qos::P256Pair& me, const std::string& alias,
                    const std::string& out, const std::string& what);

// A reshard envelope file, checked as the enclave will check it: a new share set Shamir can
// serve, the manifest set's approvals over the reshard's hash. Errors name the file.
struct CheckedReshard {
  quorum::ReshardEnvelope envelope;
  crypto::Sha256Digest hash{};
};
Result<CheckedReshard> ReadReshardEnvelopeFile(const std::string& path);

// PCR3 = SHA-384(48 zero bytes || the role's ARN, the file's first line).
Result<Bytes> Pcr3FromPreimage(const std::string& path);

}  // namespace vigil::cli
