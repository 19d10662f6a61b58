// `vigil quorum boot-genesis | after-genesis | verify-genesis`: QuorumOS's genesis ceremony
// from the operator's and share holders' side, with qos_client's names and files
// (docs/SPEC-quorum.md, "Genesis"). boot-genesis asks an enclave for a new quorum key and
// keeps nothing it cannot verify; after-genesis lets each member check its own share without
// ever writing it in the clear; verify-genesis proves the seed (from the DR key or a master
// seed file) is the one the ceremony attested to.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "attestation/document_verifier.h"
#include "base/file.h"
#include "base/hex.h"
#include "cli/attestation_trust.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/enclave_client.h"
#include "cli/qos_files.h"
#include "crypto/envelope.h"
#include "crypto/key_file.h"
#include "crypto/p256_key_files.h"
#include "quorum/genesis_json.h"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;
using quorum::GenesisOutput;
using quorum::MessageKind;
using quorum::ProtocolMsg;

constexpr char kOutputFile[] = "genesis_output";
constexpr char kDocFile[] = "genesis_attestation_doc";
constexpr char kQuorumKeyFile[] = "quorum_key.pub";
constexpr char kDrArtifactsFile[] = "genesis_dr_artifacts";
constexpr char kDrWrappedFile[] = "dr_wrapped_quorum_key";

// What every genesis document must show: the release's PCR0-3, the output's hash as
// user_data, no nonce and no public key (QuorumOS's genesis attests to the output alone).
struct GenesisChecks {
  AttestationTrust trust;
  std::string release_dir, pcr3_preimage, pcr3;
};

// `record`: the document is the ceremony's kept record (after-genesis), not a fresh answer.
void AddGenesisCheckOptions(CLI::App* command, GenesisChecks& checks, bool record) {
  command
      ->add_option("--qos-release-dir", checks.release_dir,
                   "Holds aws-x86_64.pcrs or NAME.pcrs (PCR0-2 the enclave must show)")
      ->required();
  CLI::Option* preimage = command->add_option("--pcr3-preimage-path", checks.pcr3_preimage,
                                              "The IAM role's ARN (PCR3's preimage)");
  CLI::Option* value = command->add_option(
      "--pcr3", checks.pcr3, "PCR3 itself, hex (outside AWS a mock NSM shows 48 zero bytes)");
  preimage->excludes(value);
  AddTrustOptions(command, checks.trust, record);
}

// Checked before anything is sent: a ceremony whose answer cannot be verified is wasted.
Result<attestation::VerifyOptions> GenesisOptions(const GenesisChecks& checks) {
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, TrustOptions(checks.trust));
  VIGIL_ASSIGN_OR_RETURN(options.expect.pcrs, ReleasePcrs(checks.release_dir));
  if (checks.pcr3_preimage.empty() == checks.pcr3.empty()) {
    return Error::BadInput("give PCR3 as --pcr3-preimage-path or --pcr3");
  }
  if (!checks.pcr3.empty()) {
    Result<Bytes> pcr3 = HexDecode(checks.pcr3);
    if (!pcr3.ok() || pcr3->size() != 48) return Error::BadInput("--pcr3 must be 48 bytes of hex");
    options.expect.pcrs[3] = std::move(*pcr3);
  } else {
    VIGIL_ASSIGN_OR_RETURN(options.expect.pcrs[3], Pcr3FromPreimage(checks.pcr3_preimage));
  }
  options.expect.no_nonce = true;
  return options;
}

Result<attestation::AttestationDocument> VerifyGenesisDocument(attestation::VerifyOptions options,
                                                               ByteView document,
                                                               const GenesisOutput& output) {
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::GenesisOutputHash(output));
  options.expect.user_data = Bytes(hash.begin(), hash.end());
  Result<attestation::AttestationDocument> doc = attestation::VerifyDocument(document, options);
  if (!doc.ok()) return doc.error().WithContext("the genesis attestation");
  if (doc->public_key) {
    return Error::Failed(
        "the genesis attestation carries a public key; genesis attests to its "
        "output alone");
  }
  return doc;
}

// The output answers the request: the same set and DR key, one encrypted share per member in
// the set's order, and a quorum key that is a P256 public key.
Status CheckAnswersRequest(const GenesisOutput& output, const ProtocolMsg& request) {
  if (output.set != request.genesis_set || output.dr_key != request.dr_key) {
    return Error::Failed(
        "GenesisOutputDoesNotMatchRequest: the output names another share set "
        "or DR key than the request; nothing written");
  }
  if (output.member_outputs.size() != output.set.members.size()) {
    return Error::Failed("the output has " + std::to_string(output.member_outputs.size()) +
                         " member outputs for " + std::to_string(output.set.members.size()) +
                         " members");
  }
  for (std::size_t i = 0; i < output.member_outputs.size(); ++i) {
    if (output.member_outputs[i].share_set_member != output.set.members[i]) {
      return Error::Failed("member output " + std::to_string(i) + " is not for " +
                           output.set.members[i].alias);
    }
  }
  if (!crypto::qos::P256Public::FromBytes(output.quorum_key).ok()) {
    return Error::Failed("the output's quorum key is not a P256 public key");
  }
  if (output.dr_key.has_value() != output.dr_key_wrapped_quorum_key.has_value()) {
    return Error::Failed("the output's DR key and DR-wrapped seed must come together");
  }
  return OkStatus();
}

Bytes TextBytes(const std::string& text) { return Bytes(text.begin(), text.end()); }

std::string DrArtifacts(const GenesisOutput& output) {
  return "quorum_key_hash " + HexEncode(output.quorum_key_hash) + "\ntest_message_ciphertext " +
         HexEncode(output.test_message_ciphertext) + "\ntest_message_signature " +
         HexEncode(output.test_message_signature) + "\ntest_message " +
         HexEncode(output.test_message);
}

// Writes every file or none: a file that exists is never replaced, and on any failure the
// ones already written are removed.
Status WriteAllOrNothing(const fs::path& dir,
                         const std::vector<std::pair<std::string, Bytes>>& files) {
  std::vector<fs::path> written;
  for (const auto& [name, bytes] : files) {
    Status status = CreateFileAtomic(dir / name, bytes, 0644);
    if (!status.ok()) {
      std::error_code ignored;
      for (const fs::path& path : written) fs::remove(path, ignored);
      return status;
    }
    written.push_back(dir / name);
  }
  return OkStatus();
}

// ---- boot-genesis ----

struct BootGenesisArgs {
  EnclaveAddress enclave;
  std::string namespace_dir, share_set_dir, dr_key;
  GenesisChecks checks;
};

Result<ProtocolMsg> GenesisRequest(const BootGenesisArgs& args) {
  ProtocolMsg request = quorum::Request(MessageKind::kBootGenesisRequest);
  VIGIL_ASSIGN_OR_RETURN(quorum::MemberSet set, ReadMemberSetDir(args.share_set_dir));
  request.genesis_set = {.members = std::move(set.members), .threshold = set.threshold};
  Status valid = quorum::CheckGenesisSet(request.genesis_set);
  if (!valid.ok()) return Error::BadInput(args.share_set_dir + ": " + valid.error().message());
  if (!args.dr_key.empty()) {
    VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Public dr, crypto::ReadP256Public(args.dr_key));
    request.dr_key = Bytes(dr.bytes().begin(), dr.bytes().end());
  }
  return request;
}

Status RunBootGenesis(const BootGenesisArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg request, GenesisRequest(args));
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, GenesisOptions(args.checks));
  std::error_code ec;
  if (!fs::is_directory(args.namespace_dir, ec)) {
    return Error::BadInput("--namespace-dir " + args.namespace_dir + " is not a directory");
  }
  for (const char* name :
       {kOutputFile, kDocFile, kQuorumKeyFile, kDrArtifactsFile, kDrWrappedFile}) {
    if (fs::exists(fs::path(args.namespace_dir) / name, ec)) {
      return Error::BadInput(args.namespace_dir + " already holds " + name +
                             ": a genesis is never written over another");
    }
  }
  VIGIL_ASSIGN_OR_RETURN(ProtocolMsg answer, Exchange(args.enclave, request));
  if (answer.kind != MessageKind::kBootGenesisResponse || !answer.genesis_output || !answer.nsm ||
      answer.nsm->kind != quorum::NsmResponse::Kind::kAttestation) {
    return Error::Failed("the enclave did not answer with a genesis output and its attestation");
  }
  const GenesisOutput& output = *answer.genesis_output;
  VIGIL_RETURN_IF_ERROR(CheckAnswersRequest(output, request));
  VIGIL_ASSIGN_OR_RETURN(attestation::AttestationDocument doc,
                         VerifyGenesisDocument(options, answer.nsm->data, output));
  VIGIL_ASSIGN_OR_RETURN(Bytes borsh, quorum::EncodeGenesisOutputBorsh(output));
  std::vector<std::pair<std::string, Bytes>> files = {
      {kOutputFile, borsh},
      {kDocFile, answer.nsm->data},
      {kQuorumKeyFile, TextBytes(HexEncode(output.quorum_key))},
      {kDrArtifactsFile, TextBytes(DrArtifacts(output))}};
  if (output.dr_key_wrapped_quorum_key) {
    files.emplace_back(kDrWrappedFile, *output.dr_key_wrapped_quorum_key);
  }
  VIGIL_RETURN_IF_ERROR(WriteAllOrNothing(args.namespace_dir, files));
  std::printf("genesis: %u of %zu shares, %s attestation verified; quorum key %s\n",
              output.set.threshold, output.set.members.size(),
              attestation::IsMockDocument(doc) ? "MOCK" : "Nitro",
              HexEncode(output.quorum_key).c_str());
  return OkStatus();
}

// ---- after-genesis ----

struct AfterGenesisArgs {
  std::string secret, share_out, alias, namespace_dir;
  GenesisChecks checks;
};

Result<GenesisOutput> ReadGenesisOutput(const fs::path& file) {
  VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(file, quorum::kMaxGenesisOutputBytes));
  Result<GenesisOutput> output = quorum::DecodeGenesisOutputBorsh(bytes);
  if (!output.ok()) return output.error().WithContext(file.string());
  return output;
}

Status RunAfterGenesis(const AfterGenesisArgs& args) {
  const fs::path dir = args.namespace_dir;
  VIGIL_ASSIGN_OR_RETURN(GenesisOutput output, ReadGenesisOutput(dir / kOutputFile));
  VIGIL_ASSIGN_OR_RETURN(Bytes document, ReadFile(dir / kDocFile, attestation::kMaxDocumentBytes));
  VIGIL_ASSIGN_OR_RETURN(attestation::VerifyOptions options, GenesisOptions(args.checks));
  VIGIL_RETURN_IF_ERROR(VerifyGenesisDocument(options, document, output).status());
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair me, crypto::ReadP256Pair(args.secret));
  VIGIL_RETURN_IF_ERROR(
      KeepOwnShare(output.member_outputs, me, args.alias, args.share_out, "the genesis output"));
  std::printf(
      "share of %s checked (SHA-512 matches) and written, still encrypted to your key: %s\n",
      args.alias.c_str(), args.share_out.c_str());
  return OkStatus();
}

// ---- verify-genesis ----

struct VerifyGenesisArgs {
  std::string namespace_dir, master_seed, dr_secret, recover_to;
};

// The quorum key from its seed: a master seed file, or the DR-wrapped seed and the DR key.
Result<crypto::qos::P256Pair> GenesisKey(const VerifyGenesisArgs& args) {
  if (args.master_seed.empty() == args.dr_secret.empty()) {
    return Error::BadInput("give exactly one of --master-seed-path and --dr-secret-path");
  }
  if (!args.master_seed.empty()) return crypto::ReadP256Pair(args.master_seed);
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair dr, crypto::ReadP256Pair(args.dr_secret));
  const fs::path wrapped_path = fs::path(args.namespace_dir) / kDrWrappedFile;
  VIGIL_ASSIGN_OR_RETURN(Bytes wrapped, ReadFile(wrapped_path, 4096));
  Result<crypto::SecretBytes> seed = crypto::qos::Decrypt(dr, wrapped);
  if (!seed.ok()) return seed.error().WithContext(wrapped_path.string() + " with the DR key");
  return crypto::qos::P256Pair::FromSeed(*seed);
}

Status RunVerifyGenesis(const VerifyGenesisArgs& args) {
  const fs::path dir = args.namespace_dir;
  VIGIL_ASSIGN_OR_RETURN(GenesisOutput output, ReadGenesisOutput(dir / kOutputFile));
  VIGIL_ASSIGN_OR_RETURN(crypto::qos::P256Pair pair, GenesisKey(args));
  if (quorum::QuorumKeyHash(pair.seed().view()) != output.quorum_key_hash)
    return Error::Failed("SecretDoesNotMatch: the seed's hash is not quorum_key_hash");
  if (pair.public_key() != output.quorum_key) {
    return Error::Failed("the seed's public key is not the output's quorum key");
  }
  std::printf("quorum key hash is correct; the seed's public key is the quorum key\n");
  if (!pair.public_part().Verify(output.test_message, output.test_message_signature).ok()) {
    return Error::Failed("InvalidSignature: the test message's signature does not verify");
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes again, pair.Sign(output.test_message));
  if (again != output.test_message_signature) {
    return Error::Failed("CouldNotReproduceSignature: RFC 6979 gives another signature");
  }
  std::printf("the test message's signature verifies and is reproduced exactly\n");
  Result<crypto::SecretBytes> plain = crypto::qos::Decrypt(pair, output.test_message_ciphertext);
  if (!plain.ok() || AsText(plain->view()) != AsText(output.test_message)) {
    return Error::Failed("BadDecryption: the test message's ciphertext does not decrypt to it");
  }
  std::printf("the test message's ciphertext decrypts to it\n");
  const fs::path artifacts = dir / kDrArtifactsFile;
  std::error_code ec;
  if (fs::exists(artifacts, ec)) {
    VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(artifacts, 64 * 1024));
    if (AsText(text) != DrArtifacts(output)) {
      return Error::Failed(artifacts.string() + " does not match the genesis output");
    }
    std::printf("%s matches the genesis output\n", kDrArtifactsFile);
  }
  if (!args.recover_to.empty()) {
    // Disaster recovery: the quorum key as a .secret file (never over an existing file),
    // only once every check held.
    VIGIL_RETURN_IF_ERROR(crypto::WriteSecretHexFile(args.recover_to, pair.seed()));
    std::printf("the quorum key's seed is in %s (0600)\n", args.recover_to.c_str());
  }
  std::printf("verify-genesis successful\n");
  return OkStatus();
}

}  // namespace

Status DisplayGenesisOutput(const std::string& file, bool json) {
  VIGIL_ASSIGN_OR_RETURN(GenesisOutput output, ReadGenesisOutput(file));
  VIGIL_ASSIGN_OR_RETURN(crypto::Sha256Digest hash, quorum::GenesisOutputHash(output));
  if (json) {
    PrintJson(Json{{"kind", "genesis output"},
                   {"genesis_output_hash", crypto::Sha256Hex(hash)},
                   {"genesis_output", Json::parse(quorum::GenesisOutputJsonValue(output).dump())}});
    return OkStatus();
  }
  std::printf("genesis output\nhash (attested user_data): %s\nshare set: %u of %zu\n",
              crypto::Sha256Hex(hash).c_str(), output.set.threshold, output.set.members.size());
  for (const auto& member : output.member_outputs) {
    std::printf("  %s %s share_hash %s\n", member.share_set_member.alias.c_str(),
                HexEncode(member.share_set_member.pub_key).c_str(),
                HexEncode(member.share_hash).c_str());
  }
  std::printf("quorum key: %s\nDR key: %s\nquorum key hash: %s\n",
              HexEncode(output.quorum_key).c_str(),
              output.dr_key ? HexEncode(*output.dr_key).c_str() : "none",
              HexEncode(output.quorum_key_hash).c_str());
  return OkStatus();
}

void AddQuorumGenesisCommands(CLI::App& q, int* exit_code) {
  auto [b, boot] = AddCommand<BootGenesisArgs>(
      q, "boot-genesis",
      "Ask an enclave for a new quorum key split among a share set; verify and write the output",
      exit_code, RunBootGenesis);
  AddEnclaveAddressOptions(b, boot->enclave);
  b->add_option("--namespace-dir", boot->namespace_dir, "Where the genesis files go")->required();
  b->add_option("--share-set-dir", boot->share_set_dir, "ALIAS.pub files, quorum_threshold")
      ->required();
  b->add_option("--dr-key-path", boot->dr_key, "The disaster-recovery key's .pub");
  AddGenesisCheckOptions(b, boot->checks, /*record=*/false);
  auto [a, after] = AddCommand<AfterGenesisArgs>(
      q, "after-genesis",
      "Check the genesis attestation and your share; keep the share encrypted to your key",
      exit_code, RunAfterGenesis);
  a->add_option("--secret-path", after->secret, "Your key's .secret file")->required();
  a->add_option("--share-path", after->share_out, "Where your share goes (must not exist)")
      ->required();
  a->add_option("--alias", after->alias, "Your alias in the share set")->required();
  a->add_option("--namespace-dir", after->namespace_dir, "boot-genesis's files")->required();
  AddGenesisCheckOptions(a, after->checks, /*record=*/true);
  auto [v, verify] = AddCommand<VerifyGenesisArgs>(
      q, "verify-genesis",
      "Disaster recovery's check: the seed behind the DR key (or a master seed file) is the "
      "ceremony's",
      exit_code, RunVerifyGenesis);
  v->add_option("--namespace-dir", verify->namespace_dir, "boot-genesis's files")->required();
  v->add_option("--master-seed-path", verify->master_seed, "The quorum key's seed (hex)");
  v->add_option("--dr-secret-path", verify->dr_secret,
                "The DR key's .secret: unwraps dr_wrapped_quorum_key");
  v->add_option("--recover-to", verify->recover_to,
                "Disaster recovery: after every check, write the quorum key's seed here as a "
                ".secret file (0600; must not exist)");
}

}  // namespace vigil::cli
