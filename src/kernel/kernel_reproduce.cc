#include "kernel/kernel_reproduce.h"

#include <toml++/toml.h>
#include <unistd.h>

#include "base/file.h"
#include "base/subprocess.h"
#include "crypto/file_hash.h"
#include "encoding/dist_manifest.h"
#include "encoding/sha256sums.h"
#include "encoding/toml_reader.h"
#include "kernel/kconfig.h"
#include "kernel/kernel_build.h"
#include "kernel/kernel_spec.h"

namespace vigil::kernel {
namespace fs = std::filesystem;
namespace {

constexpr char kRebuildUser[] = "65534";  // nobody

// The recorded spec as a spec file: the resolved keys dropped, fragments by path.
struct Recorded {
  std::string spec_text;
  std::vector<std::pair<std::string, std::string>> fragments;  // path, sha256 hex
  Toolchain toolchain;
};

Result<Recorded> ReadRecorded(const fs::path& file) {
  VIGIL_ASSIGN_OR_RETURN(const Bytes text, ReadFile(file, 1 << 20));
  VIGIL_ASSIGN_OR_RETURN(toml::table doc, ParseToml(AsText(text), file.string()));
  Recorded recorded;
  const toml::array* fragments = doc["fragments"].as_array();
  if (fragments == nullptr) return Error::BadInput(file.string() + " records no fragments");
  toml::array paths;
  for (const toml::node& node : *fragments) {
    const toml::table* fragment = node.as_table();
    auto path = fragment ? (*fragment)["path"].value<std::string>() : std::nullopt;
    auto sha256 = fragment ? (*fragment)["sha256"].value<std::string>() : std::nullopt;
    if (!path || !sha256) {
      return Error::BadInput(file.string() + ": each fragment needs a path and a sha256");
    }
    recorded.fragments.emplace_back(*path, *sha256);
    paths.push_back(*path);
  }
  recorded.toolchain = {doc["toolchain"]["gcc"].value_or(std::string()),
                        doc["toolchain"]["binutils"].value_or(std::string()),
                        doc["toolchain"]["make"].value_or(std::string())};
  for (const char* key : {"kernel_release", "cache_key", "toolchain", "cmdline"}) doc.erase(key);
  doc.insert_or_assign("fragments", paths);
  std::ostringstream spec;
  spec << doc << "\n";
  recorded.spec_text = spec.str();
  return recorded;
}

// Copies each recorded fragment from spec_dir into `to`, checking its hash; the paths must
// stay inside spec_dir (the release directory is untrusted).
Status CopyFragments(const Recorded& recorded, const fs::path& spec_dir, const fs::path& to) {
  const fs::path root = fs::weakly_canonical(spec_dir);
  for (const auto& [path, sha256] : recorded.fragments) {
    const fs::path relative(path);
    if (relative.is_absolute() || relative.lexically_normal().string().starts_with("..")) {
      return Error::BadInput("recorded fragment " + path + " leads outside --spec-dir");
    }
    const fs::path from = fs::weakly_canonical(root / relative);
    if (!from.lexically_relative(root).string().starts_with("..") && fs::is_regular_file(from)) {
      fs::create_directories((to / relative).parent_path());
      VIGIL_ASSIGN_OR_RETURN(const crypto::Sha256Digest digest,
                             crypto::Sha256OfFile(from, kMaxConfigSize, to / relative));
      if (crypto::Sha256Hex(digest) != sha256) {
        return Error::BadInput("fragment " + (root / relative).string() +
                               " no longer matches the SHA-256 the build recorded (" + sha256 +
                               "): check out the sources of that build");
      }
      continue;
    }
    return Error::BadInput("recorded fragment " + path + " is not under " + root.string() +
                           ": pass the kernel spec's directory as --spec-dir");
  }
  return OkStatus();
}

// The pinned .deb, copied where the rebuild's user may read it.
Status ShareSource(const fs::path& spec_file, const fs::path& cache_dir, const fs::path& to) {
  VIGIL_ASSIGN_OR_RETURN(const KernelSpec spec, ReadKernelSpec(spec_file));
  const fs::path deb = cache_dir / "debs" / spec.source.DebFileName();
  std::error_code error;
  fs::create_directories(to / "debs", error);
  if (fs::is_regular_file(deb, error)) {
    fs::copy_file(deb, to / "debs" / deb.filename(), error);
    if (error) return Error::Failed("cannot copy " + deb.string() + ": " + error.message());
  }
  return OkStatus();
}

std::vector<std::string> Compare(const fs::path& released, const fs::path& rebuilt) {
  std::vector<std::string> differing;
  auto ours = encoding::ReadSums(released);
  auto theirs = encoding::ReadSums(rebuilt);
  if (!ours.ok() || !theirs.ok()) return {encoding::kSumsName};
  for (const auto& [name, digest] : *ours) {
    auto other = theirs->find(name);
    if (other == theirs->end() || other->second != digest) differing.push_back(name);
  }
  for (const auto& [name, digest] : *theirs) {
    if (!ours->count(name)) differing.push_back(name);
  }
  return differing;
}

}  // namespace

bool IsKernelDir(const fs::path& dir) {
  std::error_code error;
  return fs::is_regular_file(dir / kResolvedSpecFile, error) &&
         fs::is_regular_file(dir / kBzImageFile, error);
}

Result<KernelReproduceResult> ReproduceKernel(const KernelReproduceOptions& options) {
  VIGIL_RETURN_IF_ERROR(encoding::CheckDistManifest(options.dir).status());
  VIGIL_ASSIGN_OR_RETURN(const Recorded recorded, ReadRecorded(options.dir / kResolvedSpecFile));
  KernelReproduceResult result;
  VIGIL_ASSIGN_OR_RETURN(const Toolchain here, DetectToolchain());
  if (here.gcc != recorded.toolchain.gcc || here.binutils != recorded.toolchain.binutils) {
    result.notes.push_back("the toolchain differs from the recorded one (" + here.gcc + ", " +
                           here.binutils + " here): the banner embeds it");
  }
  VIGIL_ASSIGN_OR_RETURN(TempDir tree,
                         TempDir::Create(fs::temp_directory_path(), "vigil-reproduce-kernel-"));
  const fs::path spec_dir = tree.path() / "src" / "elsewhere" / "kernel";
  fs::create_directories(spec_dir);
  fs::create_directories(tree.path() / "home");
  VIGIL_RETURN_IF_ERROR(CopyFragments(recorded, options.spec_dir, spec_dir));
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(spec_dir / "kernel.toml", AsBytes(recorded.spec_text)));
  VIGIL_RETURN_IF_ERROR(
      ShareSource(spec_dir / "kernel.toml", options.cache_dir, tree.path() / "cache"));
  result.variations = {"build path (" + tree.path().string() + ")", "no cache",
                       "clock (the rebuild runs later)", "TZ=Pacific/Kiritimati", "HOME"};

  const std::vector<std::string> build = {options.vigil.string(),
                                          "kernel",
                                          "build",
                                          (spec_dir / "kernel.toml").string(),
                                          "--out",
                                          (tree.path() / "out").string(),
                                          "--no-cache",
                                          "--cache",
                                          (tree.path() / "cache").string(),
                                          "--jobs",
                                          std::to_string(options.jobs)};
  std::vector<std::string> argv;
  if (::geteuid() == 0) {
    // Another host name (a UTS namespace), then as nobody, in a tree that becomes theirs.
    auto chowned =
        Run(Command{.argv = {"chown", "-R", std::string(kRebuildUser) + ":" + kRebuildUser,
                             tree.path().string()}});
    if (!chowned.ok() || !chowned->exit.ok()) {
      return Error::Failed("cannot hand the rebuild tree to user " + std::string(kRebuildUser));
    }
    argv = {"unshare", "--uts",      "--",
            "sh",      "-c",         "hostname vigil-reproduce && exec \"$0\" \"$@\"",
            "setpriv", "--reuid",    kRebuildUser,
            "--regid", kRebuildUser, "--clear-groups",
            "--"};
    result.variations.insert(result.variations.end(), {"user nobody", "hostname vigil-reproduce"});
  } else {
    result.skipped.push_back("user and hostname (only root can change them)");
  }
  argv.insert(argv.end(), build.begin(), build.end());
  auto rebuilt = Run(
      Command{.argv = argv,
              .env = std::map<std::string, std::string>{{"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"},
                                                        {"HOME", (tree.path() / "home").string()},
                                                        {"TZ", "Pacific/Kiritimati"},
                                                        {"ASAN_OPTIONS", "detect_leaks=0"}},
              .working_dir = tree.path().string(),
              .capture_stderr = true},
      std::chrono::hours(2));
  if (!rebuilt.ok()) return rebuilt.error();
  if (!rebuilt->exit.ok()) {
    return Error::Failed(
        "the rebuild failed:\n" +
        rebuilt->output.substr(rebuilt->output.size() > 3000 ? rebuilt->output.size() - 3000 : 0));
  }
  result.differing = Compare(options.dir, tree.path() / "out");
  if (options.keep) {
    result.kept_tree = tree.path();
    tree.Release();
  }
  return result;
}

}  // namespace vigil::kernel
