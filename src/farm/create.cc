#include "farm/create.h"

#include "base/file.h"
#include "base/subprocess.h"
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
  const std::pair<const char*, const char*> roles[] = {
      {"ledger", "log"}, {"signer", "sign"}, {"builder", "build"}, {"operator", "operator"}};
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
  return WriteText(farm.builder_config(), BuilderConfigText(farm, vkey));
}

Result<bool> PrepareFarm(const FarmLayout& farm, const fs::path& bin) {
  if (fs::exists(farm.dir) && !fs::is_directory(farm.dir)) {
    return Error::BadInput(farm.dir.string() + " exists and is not a directory");
  }
  const bool first = !fs::exists(farm.builder_config());
  if (!first) VIGIL_RETURN_IF_ERROR(CheckFarm(farm));
  Status created = CreateFarm(farm, bin);
  if (!created.ok()) return created.error().WithContext("cannot create the farm");
  return first;
}

}  // namespace vigil::farm
