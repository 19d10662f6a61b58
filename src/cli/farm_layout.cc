#include "cli/farm_layout.h"

#include "base/file.h"
#include "base/subprocess.h"
#include "rpc/ca.h"
#include "tlog/store.h"

namespace vigil::cli {
namespace {

constexpr int kCertificateDays = 3650;
constexpr char kOrigin[] = "vigil.farm/ledger";

Status WriteText(const fs::path& path, const std::string& text, unsigned mode = 0644) {
  return WriteFileAtomic(path, AsBytes(text), mode);
}

std::string Quoted(const fs::path& path) { return "\"" + path.string() + "\""; }

}  // namespace

Status CheckFarm(const FarmLayout& farm) {
  const std::pair<fs::path, bool> parts[] = {// path, whether a directory
                                             {farm.builder_config(), false},
                                             {farm.signer_config(), false},
                                             {farm.ca() / "ca.crt", false},
                                             {farm.ledger_dir(), true},
                                             {farm.run(), true},
                                             {farm.logs(), true},
                                             {farm.repository(), true},
                                             {farm.dir / "release.key", false}};
  for (const auto& [path, directory] : parts) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    const bool ok = directory ? fs::is_directory(status) : fs::is_regular_file(status);
    if (!ok) {
      return Error::BadInput(farm.dir.string() +
                             " holds a builder.toml but is not a farm made by " +
                             "`vigil farm up`: it has no " + (directory ? "directory " : "file ") +
                             path.lexically_relative(farm.dir).string() +
                             "; give `vigil farm up` a new or empty directory, or a farm's own");
    }
  }
  return OkStatus();
}

Status CreateFarm(const FarmLayout& farm, const fs::path& bin) {
  if (fs::exists(farm.builder_config())) return OkStatus();
  std::error_code ec;
  fs::create_directories(farm.dir, ec);
  for (const fs::path& dir : {farm.run(), farm.logs(), farm.policy("ledger"), farm.policy("signer"),
                              farm.policy("builder"), farm.repository()}) {
    fs::create_directories(dir, ec);
    if (ec) return Error::Failed("cannot create " + dir.string() + ": " + ec.message());
  }
  if (!fs::exists(farm.ca() / "ca.crt")) {
    VIGIL_RETURN_IF_ERROR(rpc::InitCa(farm.ca(), kCertificateDays));
    const std::pair<const char*, const char*> roles[] = {
        {"ledger", "log"}, {"signer", "sign"}, {"builder", "build"}, {"operator", "operator"}};
    for (const auto& [role, tag] : roles) {
      VIGIL_RETURN_IF_ERROR(
          rpc::IssueCertificate(farm.ca(), role, {tag}, kCertificateDays).status());
    }
  }
  if (!fs::exists(farm.ledger_dir())) {
    VIGIL_RETURN_IF_ERROR(tlog::LogStore::Init(farm.ledger_dir(), kOrigin));
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes vkey_bytes, ReadFile(farm.ledger_dir() / "log.vkey", 4096));
  std::string vkey(vkey_bytes.begin(), vkey_bytes.end());
  while (!vkey.empty() && vkey.back() == '\n') vkey.pop_back();

  VIGIL_RETURN_IF_ERROR(WriteText(farm.policy("ledger") / "10-farm.policy",
                                  "vigil.BuildLog * @tag:build @any allow\n"
                                  "vigil.Append +signature @tag:sign @any allow\n"
                                  "vigil.Ping * @any @any allow\n"));
  VIGIL_RETURN_IF_ERROR(WriteText(farm.policy("signer") / "10-farm.policy",
                                  "vigil.Sign +release @tag:build @any allow\n"
                                  "vigil.Ping * @any @any allow\n"));
  VIGIL_RETURN_IF_ERROR(WriteText(farm.policy("builder") / "10-farm.policy",
                                  "vigil.TriggerBuild * @tag:operator @any allow\n"
                                  "vigil.Ping * @any @any allow\n"));
  const fs::path ca = farm.ca();
  VIGIL_RETURN_IF_ERROR(WriteText(
      farm.signer_config(),
      "# vigil-signer (docs/SPEC-signer.md), made by vigil farm up\n"
      "[service]\nlisten = [\"unix:" +
          farm.socket("signer").string() + "\"]\n" + "cert = " + Quoted(ca / "signer.crt") +
          "\nkey = " + Quoted(ca / "signer.key") + "\nca = " + Quoted(ca / "ca.crt") +
          "\npolicy = " + Quoted(farm.policy("signer")) +
          "\naudit_log = " + Quoted(farm.logs() / "signer-audit.log") +
          "\nstate_dir = " + Quoted(farm.dir / "signer-state") +
          "\n\n[ledger]\naddress = \"unix:" + farm.socket("ledger").string() +
          "\"\nverifier_key = \"" + vkey + "\"\nname = \"ledger\"\n\n" +
          "[keys.release]\nalgorithm = \"ed25519\"\nfile = " + Quoted(farm.dir / "release.key") +
          "\n"));
  if (!fs::exists(farm.dir / "release.key")) {
    Command init;
    init.argv = {(bin / "vigil-signer").string(), "--config", farm.signer_config().string(),
                 "--init-key", "release"};
    VIGIL_ASSIGN_OR_RETURN(RunOutput created, Run(init, std::chrono::seconds(60)));
    if (!created.exit.ok()) return Error::Failed("vigil-signer --init-key release failed");
    VIGIL_RETURN_IF_ERROR(WriteText(farm.signing_public_key(), created.output));
  }
  return WriteText(
      farm.builder_config(),
      "# vigil-builder (docs/SPEC-builder.md), made by vigil farm up. Add components as\n"
      "# [components.NAME] tables; they are read again for every build.\n"
      "[service]\nlisten = [\"unix:" +
          farm.socket("builder").string() + "\"]\n" + "cert = " + Quoted(ca / "builder.crt") +
          "\nkey = " + Quoted(ca / "builder.key") + "\nca = " + Quoted(ca / "ca.crt") +
          "\npolicy = " + Quoted(farm.policy("builder")) + "\naudit_log = " +
          Quoted(farm.logs() / "builder-audit.log") + "\nwork_dir = " + Quoted(farm.dir / "work") +
          "\nrepository = " + Quoted(farm.repository()) + "\n\n[ledger]\naddress = \"unix:" +
          farm.socket("ledger").string() + "\"\nverifier_key = \"" + vkey +
          "\"\nname = \"ledger\"\n\n[signer]\naddress = \"unix:" + farm.socket("signer").string() +
          "\"\nname = \"signer\"\n");
}

}  // namespace vigil::cli
