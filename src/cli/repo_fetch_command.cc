// `vigil repo fetch SOURCE NAME --channel CH --root ROOT --out DIR`: TUF's client workflow
// against a repository directory or an http:// URL (docs/SPEC-tuf.md), then every file of
// the chosen build, each checked against its length and hashes, written into DIR only when
// all of them checked out.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/strict_number.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/fetched_build_check.h"
#include "cli/ledger_fetch.h"
#include "http/client.h"
#include "tlog/trusted_log.h"
#include "tuf/client.h"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;

struct FetchArgs {
  std::string source, name, channel, root, out, build, state;
  std::int64_t time = -1;
  // Beyond TUF: the signer's key, the ledger, and for current the maintainers.
  std::string release_key, ledger_key, maintainers;
  LedgerOptions ledger;
  std::uint32_t threshold = 2;
};

Status CheckArguments(const FetchArgs& args) {
  const bool any = !args.ledger.url.empty() || !args.ledger_key.empty() ||
                   !args.release_key.empty() || !args.maintainers.empty();
  if (any && (args.ledger.url.empty() || args.ledger_key.empty() || args.release_key.empty())) {
    return Error::BadInput(
        "checking the build beyond TUF needs --ledger, --ledger-key and --release-key together");
  }
  if (any && args.channel == "current" && args.maintainers.empty()) {
    return Error::BadInput(
        "--channel current with --ledger needs --maintainers (the keyring whose signatures "
        "the promotion must carry)");
  }
  if (!args.maintainers.empty() && args.channel != "current") {
    return Error::BadInput("--maintainers checks a promotion: only with --channel current");
  }
  return OkStatus();
}

// The checks beyond TUF that the arguments ask for; what was proved, for the summary.
Result<std::string> CheckBeyondTuf(const FetchArgs& args, const FetchedBuild& build) {
  if (args.ledger.url.empty()) return std::string("TUF metadata only (no --ledger)");
  auto verifier = tlog::ReadVerifierKey(args.ledger_key);
  if (!verifier.ok()) return verifier.error().WithContext("--ledger-key");
  VIGIL_ASSIGN_OR_RETURN(tlog::TileFetcher ledger, LedgerFetcher(args.ledger));
  VIGIL_ASSIGN_OR_RETURN(std::size_t subjects,
                         CheckBuildEvidence(build, args.release_key, ledger, *verifier));
  std::string proved = std::to_string(subjects) + " signed artifact(s) logged in the ledger";
  if (args.channel == "current") {
    VIGIL_ASSIGN_OR_RETURN(
        std::vector<std::string> signers,
        CheckPromotion(build, args.maintainers, args.threshold, ledger, *verifier));
    proved += "; promoted by " + std::to_string(signers.size()) + " maintainers (ledger entry " +
              build.custom.at("promotion_index") + ")";
  }
  return proved;
}

Result<tuf::Fetch> Fetcher(const std::string& source) {
  if (source.rfind("http://", 0) == 0) {
    VIGIL_ASSIGN_OR_RETURN(http::Url base, http::ParseUrl(source));
    return tuf::Fetch(
        [base](const std::string& path, std::size_t max) -> Result<std::optional<Bytes>> {
          http::ClientLimits limits;
          limits.max_body = max;
          VIGIL_ASSIGN_OR_RETURN(http::Reply reply, http::Get(base, "/" + path, limits));
          if (reply.status == 404) return std::optional<Bytes>();
          if (reply.status != 200) {
            return Error::Failed(path + ": HTTP " + std::to_string(reply.status));
          }
          return std::optional<Bytes>(std::move(reply.body));
        });
  }
  std::error_code ec;
  if (!fs::is_directory(source, ec)) {
    return Error::BadInput(source + " is neither a repository directory nor an http:// URL");
  }
  return tuf::Fetch([dir = fs::path(source)](const std::string& path,
                                             std::size_t max) -> Result<std::optional<Bytes>> {
    std::error_code missing;
    if (!fs::exists(dir / path, missing)) return std::optional<Bytes>();
    VIGIL_ASSIGN_OR_RETURN(Bytes bytes, ReadFile(dir / path, max, /*allow_symlink=*/false));
    return std::optional<Bytes>(std::move(bytes));
  });
}

// The trusted state: --state DIR's files when they exist, else --root alone.
Result<tuf::TrustedState> LoadState(const FetchArgs& args) {
  tuf::TrustedState state;
  const fs::path dir = args.state;
  std::error_code ec;
  const bool kept = !args.state.empty() && fs::exists(dir / "root.json", ec);
  VIGIL_ASSIGN_OR_RETURN(
      Bytes root, ReadFile(kept ? dir / "root.json" : fs::path(args.root), tuf::kMaxMetadataBytes));
  state.root = std::string(AsText(root));
  for (auto [name, slot] : {std::pair{"timestamp.json", &state.timestamp},
                            std::pair{"snapshot.json", &state.snapshot}}) {
    if (!kept || !fs::exists(dir / name, ec)) continue;
    VIGIL_ASSIGN_OR_RETURN(Bytes text, ReadFile(dir / name, tuf::kMaxMetadataBytes));
    *slot = std::string(AsText(text));
  }
  return state;
}

Status SaveState(const std::string& dir, const tuf::TrustedState& state) {
  if (dir.empty()) return OkStatus();
  std::error_code ec;
  fs::create_directories(dir, ec);
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(fs::path(dir) / "root.json", AsBytes(state.root)));
  if (state.timestamp) {
    VIGIL_RETURN_IF_ERROR(
        WriteFileAtomic(fs::path(dir) / "timestamp.json", AsBytes(*state.timestamp)));
  }
  if (state.snapshot) {
    VIGIL_RETURN_IF_ERROR(
        WriteFileAtomic(fs::path(dir) / "snapshot.json", AsBytes(*state.snapshot)));
  }
  return OkStatus();
}

// The build to fetch: --build, else the newest (numeric ids compared as numbers).
Result<std::string> ChooseBuild(const std::vector<tuf::ResolvedTarget>& targets,
                                const FetchArgs& args) {
  std::vector<std::string> builds;
  const std::string prefix = args.channel + "/" + args.name + "/";
  for (const auto& target : targets) {
    if (target.path.rfind(prefix, 0) != 0) continue;
    const std::string rest = target.path.substr(prefix.size());
    builds.push_back(rest.substr(0, rest.find('/')));
  }
  if (builds.empty()) {
    return Error::Failed(args.name + " has no build in " + args.channel);
  }
  if (!args.build.empty()) {
    if (std::find(builds.begin(), builds.end(), args.build) == builds.end()) {
      return Error::Failed(args.name + " build " + args.build + " is not in " + args.channel);
    }
    return args.build;
  }
  auto number = [](const std::string& id) { return ScanUnsigned(id, 0, UINT64_MAX); };
  return *std::max_element(builds.begin(), builds.end(), [&](const auto& a, const auto& b) {
    auto x = number(a), y = number(b);
    if (x.ok() && y.ok()) return x.value < y.value;
    return a < b;
  });
}

Status RunFetch(const FetchArgs& args) {
  VIGIL_RETURN_IF_ERROR(CheckArguments(args));
  VIGIL_ASSIGN_OR_RETURN(tuf::Fetch fetch, Fetcher(args.source));
  VIGIL_ASSIGN_OR_RETURN(tuf::TrustedState state, LoadState(args));
  const std::int64_t now =
      args.time >= 0 ? args.time : static_cast<std::int64_t>(std::time(nullptr));
  tuf::Client client(std::move(fetch), std::move(state), now);
  VIGIL_RETURN_IF_ERROR(client.Refresh());
  VIGIL_ASSIGN_OR_RETURN(std::vector<tuf::ResolvedTarget> listed, client.ListRole(args.channel));
  VIGIL_ASSIGN_OR_RETURN(std::string build, ChooseBuild(listed, args));
  const std::string prefix = args.channel + "/" + args.name + "/" + build + "/";
  FetchedBuild fetched{.component = args.name, .build_id = build, .files = {}, .custom = {}};
  for (const auto& target : listed) {
    if (target.path.rfind(prefix, 0) != 0) continue;
    VIGIL_ASSIGN_OR_RETURN(Bytes bytes, client.Download(target));
    fetched.files.emplace(target.path.substr(prefix.size()), std::move(bytes));
    fetched.custom = target.file.custom;
  }
  VIGIL_ASSIGN_OR_RETURN(const std::string proved, CheckBeyondTuf(args, fetched));
  const auto& files = fetched.files;
  std::error_code ec;
  fs::create_directories(args.out, ec);
  std::vector<fs::path> written;
  for (const auto& [name, bytes] : files) {
    Status status = CreateFileAtomic(fs::path(args.out) / name, bytes, 0644);
    if (!status.ok()) {
      for (const fs::path& path : written) fs::remove(path, ec);
      return status;
    }
    written.push_back(fs::path(args.out) / name);
  }
  VIGIL_RETURN_IF_ERROR(SaveState(args.state, client.state()));
  std::printf("%s build %s from %s: %zu files verified (root v%llu) into %s; %s\n",
              args.name.c_str(), build.c_str(), args.channel.c_str(), files.size(),
              static_cast<unsigned long long>(client.root().version), args.out.c_str(),
              proved.c_str());
  return OkStatus();
}

}  // namespace

void AddRepoFetchCommand(CLI::App& repo, int* exit_code) {
  auto [f, fetch] = AddCommand<FetchArgs>(
      repo, "fetch", "Fetch a component's build from a channel, verified by TUF", exit_code,
      RunFetch);
  f->add_option("source", fetch->source, "The repository: a directory or http://HOST:PORT")
      ->required();
  f->add_option("name", fetch->name, "The component")->required();
  f->add_option("--channel", fetch->channel, "testing or current")
      ->required()
      ->check(CLI::IsMember({"testing", "current"}));
  f->add_option("--root", fetch->root, "The trusted root.json to start from")->required();
  f->add_option("--out", fetch->out, "Where the build's files go (none may exist)")->required();
  f->add_option("--build", fetch->build, "This build id (default: the newest)");
  f->add_option("--state", fetch->state,
                "Keep the trusted root, timestamp and snapshot here between runs (rollback "
                "checks)");
  f->add_option("--time", fetch->time, "Unix time to check expiry against (default: now)");
  AddLedgerOptions(*f, fetch->ledger);
  f->add_option("--ledger-key", fetch->ledger_key,
                "The ledger's verifier key, or a file whose first line is it");
  f->add_option("--release-key", fetch->release_key,
                "The signer's public key (PEM): the build's envelope must verify under it");
  f->add_option("--maintainers", fetch->maintainers,
                "For current: the keyring whose keys must have signed the promotion");
  f->add_option("--threshold", fetch->threshold, "How many of them (default 2)")
      ->check(CLI::Range(1, 100));
}

}  // namespace vigil::cli
