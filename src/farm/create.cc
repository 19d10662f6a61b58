#include "farm/create.h"

#include "base/file.h"
#include "base/subprocess.h"
#include "crypto/key_file.h"
#include "crypto/random.h"
#include "crypto/secret.h"
#include "farm/service_configs.h"
#include "rpc/ca.h"
#include "tlog/store.h"

namespace vigil::farm {
namespace {

constexpr int kCertificateDays = 3650;
constexpr char kOrigin[] = "vigil.farm/ledger";

Status WriteText(const fs::path& path, const std::string& text) {
  return WriteFileAtomic(path, AsBytes(text), 0644);
}

Status MakeDirectories(const FarmLayout& farm) {
  std::error_code ec;
  fs::create_directories(farm.dir, ec);
  for (const fs::path& dir : {farm.run(), farm.logs(), farm.policy("ledger"), farm.policy("signer"),
                              farm.policy("builder"), farm.repository()}) {
    fs::create_directories(dir, ec);
    if (ec) return Error::Failed("cannot create " + dir.string() + ": " + ec.message());
  }
  return OkStatus();
}

Status MakeCertificates(const FarmLayout& farm) {
  if (fs::exists(farm.ca() / "ca.crt")) return OkStatus();
  VIGIL_RETURN_IF_ERROR(rpc::InitCa(farm.ca(), kCertificateDays));
  const std::pair<const char*, const char*> roles[] = {{"ledger", "log"},
                                                       {"signer", "sign"},
                                                       {"builder", "build"},
                                                       {"gateway", "gateway"},
                                                       {"operator", "operator"}};
  for (const auto& [role, tag] : roles) {
    VIGIL_RETURN_IF_ERROR(rpc::IssueCertificate(farm.ca(), role, {tag}, kCertificateDays).status());
  }
  return OkStatus();
}

// The ledger's log (once) and its verifier key.
Result<std::string> MakeLedger(const FarmLayout& farm) {
  if (!fs::exists(farm.ledger_dir())) {
    VIGIL_RETURN_IF_ERROR(tlog::LogStore::Init(farm.ledger_dir(), kOrigin));
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes vkey_bytes, ReadFile(farm.ledger_dir() / "log.vkey", 4096));
  std::string vkey(vkey_bytes.begin(), vkey_bytes.end());
  while (!vkey.empty() && vkey.back() == '\n') vkey.pop_back();
  // The witness policy the ledger, the signer and the builder share; kept once written.
  if (!fs::exists(farm.witness_policy())) {
    VIGIL_RETURN_IF_ERROR(WriteText(farm.witness_policy(), WitnessPolicyText(vkey)));
  }
  return vkey;
}

Status WritePolicies(const FarmLayout& farm) {
  VIGIL_RETURN_IF_ERROR(WriteText(farm.policy("ledger") / "10-farm.policy",
                                  "vigil.BuildLog * @tag:build @any allow\n"
                                  "vigil.Append +signature @tag:sign @any allow\n"
                                  "vigil.Ping * @any @any allow\n"));
  VIGIL_RETURN_IF_ERROR(WriteText(farm.policy("signer") / "10-farm.policy",
                                  "vigil.Sign +release @tag:build @any allow\n"
                                  "vigil.Ping * @any @any allow\n"));
  return WriteText(farm.policy("builder") / "10-farm.policy",
                   "vigil.TriggerBuild * @tag:operator @any allow\n"
                   "vigil.Ping * @any @any allow\n");
}

Status WriteSecretFile(const fs::path& path, std::string_view text) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return Error::Failed("cannot create " + path.parent_path().string() + ": " + ec.message());
  return WriteFileAtomic(path, AsBytes(text), 0600);
}

Status RunVigil(const fs::path& bin, std::vector<std::string> args) {
  Command command;
  command.argv = {(bin / "vigil").string()};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  VIGIL_ASSIGN_OR_RETURN(RunOutput ran, Run(command, std::chrono::seconds(60)));
  if (!ran.exit.ok()) return Error::Failed("vigil " + args.front() + " failed: " + ran.output);
  return OkStatus();
}

// The channels' TUF repository: every role key in tuf-keys (root and targets are for the
// operator to move offline), the online ones copied for the gateway.
Status MakeChannels(const FarmLayout& farm, const fs::path& bin) {
  if (!fs::exists(farm.tuf() / "metadata" / "timestamp.json")) {
    VIGIL_RETURN_IF_ERROR(
        RunVigil(bin, {"repo", "keygen", "--keys-dir", farm.tuf_keys().string()}));
    VIGIL_RETURN_IF_ERROR(RunVigil(
        bin, {"repo", "init", farm.tuf().string(), "--keys-dir", farm.tuf_keys().string()}));
  }
  for (const char* role : {"testing", "current", "snapshot", "timestamp"}) {
    const std::string file = std::string(role) + ".secret";
    VIGIL_ASSIGN_OR_RETURN(Bytes key, ReadFile(farm.tuf_keys() / file, 4096));
    VIGIL_RETURN_IF_ERROR(WriteSecretFile(farm.gateway_keys() / file, AsText(key)));
    crypto::Wipe(key);
  }
  return OkStatus();
}

// The gateway's parts, also added to a farm made before the gateway existed: its
// certificate, policies, webhook secret, channels and configuration (last).
Status MakeGateway(const FarmLayout& farm, const fs::path& bin, const std::string& vkey) {
  if (fs::exists(farm.gateway_config())) return OkStatus();
  if (!fs::exists(farm.ca() / "gateway.crt")) {
    VIGIL_RETURN_IF_ERROR(
        rpc::IssueCertificate(farm.ca(), "gateway", {"gateway"}, kCertificateDays).status());
  }
  std::error_code ec;
  fs::create_directories(farm.policy("gateway"), ec);
  VIGIL_RETURN_IF_ERROR(WriteText(farm.policy("gateway") / "10-farm.policy",
                                  "vigil.Publish * @tag:build @any allow\n"
                                  "vigil.Ping * @any @any allow\n"));
  VIGIL_RETURN_IF_ERROR(WriteText(farm.policy("ledger") / "20-gateway.policy",
                                  "vigil.Append +gateway-verdict @tag:gateway @any allow\n"));
  VIGIL_RETURN_IF_ERROR(WriteText(farm.policy("builder") / "20-gateway.policy",
                                  "vigil.TriggerBuild * @tag:gateway @any allow\n"));
  if (!fs::exists(farm.webhook_secret())) {
    VIGIL_ASSIGN_OR_RETURN(crypto::SecretBytes secret, crypto::RandomSecret(32));
    std::error_code ec2;
    fs::create_directories(farm.webhook_secret().parent_path(), ec2);
    // Hex: the secret is pasted into the code host's hook settings.
    VIGIL_RETURN_IF_ERROR(crypto::WriteSecretHexFile(farm.webhook_secret(), secret));
  }
  VIGIL_RETURN_IF_ERROR(MakeChannels(farm, bin));
  // A builder.toml from before the gateway tells no gateway of its builds: add the table.
  VIGIL_ASSIGN_OR_RETURN(Bytes builder, ReadFile(farm.builder_config(), 1 << 20));
  if (AsText(builder).find("\n[gateway]\n") == std::string_view::npos) {
    std::string text(AsText(builder));
    const std::size_t components = text.find("\n[components.");
    const std::string table = "\n[gateway]\naddress = \"unix:" + farm.socket("gateway").string() +
                              "\"\nname = \"gateway\"\n";
    text.insert(components == std::string::npos ? text.size() : components, table);
    VIGIL_RETURN_IF_ERROR(WriteText(farm.builder_config(), text));
  }
  return WriteText(farm.gateway_config(), GatewayConfigText(farm, vkey));
}

// The signer makes its own key (it never leaves the signer's files); we keep the public half.
Status MakeSigningKey(const FarmLayout& farm, const fs::path& bin) {
  if (fs::exists(farm.signing_key())) return OkStatus();
  Command init;
  init.argv = {(bin / "vigil-signer").string(), "--config", farm.signer_config().string(),
               "--init-key", "release"};
  VIGIL_ASSIGN_OR_RETURN(RunOutput created, Run(init, std::chrono::seconds(60)));
  if (!created.exit.ok()) return Error::Failed("vigil-signer --init-key release failed");
  return WriteText(farm.signing_public_key(), created.output);
}

}  // namespace

Status CreateFarm(const FarmLayout& farm, const fs::path& bin) {
  if (fs::exists(farm.builder_config())) return OkStatus();
  VIGIL_RETURN_IF_ERROR(MakeDirectories(farm));
  VIGIL_RETURN_IF_ERROR(MakeCertificates(farm));
  VIGIL_ASSIGN_OR_RETURN(std::string vkey, MakeLedger(farm));
  VIGIL_RETURN_IF_ERROR(WritePolicies(farm));
  VIGIL_RETURN_IF_ERROR(WriteText(farm.signer_config(), SignerConfigText(farm, vkey)));
  VIGIL_RETURN_IF_ERROR(MakeSigningKey(farm, bin));
  // Last: its presence marks a finished farm.
  VIGIL_RETURN_IF_ERROR(WriteText(farm.builder_config(), BuilderConfigText(farm, vkey)));
  return MakeGateway(farm, bin, vkey);
}

Result<bool> PrepareFarm(const FarmLayout& farm, const fs::path& bin) {
  if (fs::exists(farm.dir) && !fs::is_directory(farm.dir)) {
    return Error::BadInput(farm.dir.string() + " exists and is not a directory");
  }
  const bool first = !fs::exists(farm.builder_config());
  if (!first) VIGIL_RETURN_IF_ERROR(CheckFarm(farm));
  Status created = CreateFarm(farm, bin);
  if (created.ok() && !first) {
    auto vkey = MakeLedger(farm);
    created = vkey.ok() ? MakeGateway(farm, bin, *vkey) : Status(vkey.error());
  }
  if (!created.ok()) return created.error().WithContext("cannot create the farm");
  return first;
}

}  // namespace vigil::farm
