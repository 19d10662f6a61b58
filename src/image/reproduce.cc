#include "image/reproduce.h"

#include <locale.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>

#include "base/cpu.h"
#include "base/file.h"
#include "base/hex.h"
#include "base/strict_number.h"
#include "base/subprocess.h"
#include "crypto/file_hash.h"
#include "encoding/dist_manifest.h"
#include "image/builder.h"
#include "image/spec.h"

namespace vigil::image {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxInput = 512ull << 20;

Result<fs::path> FindResolvedSpec(const fs::path& dist) {
  VIGIL_ASSIGN_OR_RETURN(std::optional<fs::path> found, FindRecordedSpec(dist));
  if (!found) {
    return Error::BadInput(dist.string() +
                           " has no recorded spec (<name>.resolved.toml, or kernel.toml for a "
                           "kernel); only a directory made by `vigil image build` or "
                           "`vigil kernel build` can be reproduced");
  }
  return *found;
}

// How many leading ".." a relative path climbs.
std::size_t Climb(const fs::path& path) {
  std::size_t depth = 0;
  for (const auto& part : path.lexically_normal()) {
    if (part != "..") break;
    ++depth;
  }
  return depth;
}

struct Input {
  const PinnedInput* pin;
  std::string what;
};

std::vector<Input> Inputs(const ImageSpec& spec) {
  std::vector<Input> inputs = {{&spec.kernel, "kernel"}, {&spec.target, "target"}};
  if (spec.init && !spec.init->path.empty()) inputs.push_back({&*spec.init, "init"});
  if (spec.busybox) inputs.push_back({&*spec.busybox, "busybox"});
  if (spec.quorum) inputs.push_back({&spec.quorum->enclave, "quorum enclave"});
  for (const auto& f : spec.files) inputs.push_back({&f.source, "file for " + f.destination});
  return inputs;
}

// The inputs root as the caller named it, for messages.
std::string RootName(const ReproduceOptions& options) {
  if (options.inputs_root.empty()) {
    return "--spec-dir '" + options.spec_dir.string() + "' (the default --inputs-root)";
  }
  return "--inputs-root '" + options.inputs_root.string() + "'";
}

// Where the recorded spec's `path` leads, symlinks followed, if that is under `root` (a
// canonical path). DIST is untrusted, so its spec must not make us read, or print the hash
// of, any file the caller did not offer: absolute paths are refused, and a relative one
// must stay under the root after "..", and symlinks in the caller's tree, are resolved.
Result<fs::path> ConfinedInput(const std::string& what, const std::string& path,
                               const ReproduceOptions& options, const fs::path& root) {
  if (fs::path(path).is_absolute()) {
    return Error::BadInput(what + ": the recorded spec names the absolute path '" + path +
                           "'; reproduce reads inputs only by paths relative to --spec-dir that "
                           "stay under " +
                           RootName(options) + ", since the release it checks is untrusted");
  }
  std::error_code ec;
  const fs::path real = fs::weakly_canonical(options.spec_dir / path, ec);
  if (ec) {
    return Error::BadInput(what + ": cannot resolve '" + path + "' from --spec-dir '" +
                           options.spec_dir.string() + "': " + ec.message());
  }
  const fs::path relative = real.lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") {
    return Error::BadInput(
        what + ": the recorded spec's path '" + path + "' leads to " + real.string() +
        ", outside " + RootName(options) +
        "; reproduce reads no input outside it, since the release it checks is untrusted (if "
        "you trust this release's inputs there, pass --inputs-root with a directory that "
        "holds them)");
  }
  return real;
}

// Copies every input into the tree (checked against its pin), in the reverse of the spec's
// order, so files are created on disk in another order than the original build. Each is read
// from where ConfinedInput says, and hashed while copied: the copy is exactly the bytes
// checked against the pin, and the rebuild reads only copies.
Status CopyInputs(const ImageSpec& spec, const ReproduceOptions& options,
                  const fs::path& tree_spec_dir) {
  const fs::path& root_arg = options.inputs_root.empty() ? options.spec_dir : options.inputs_root;
  std::error_code ec;
  const fs::path root = fs::canonical(root_arg, ec);
  if (ec) {
    return Error::BadInput(RootName(options) + ": " + ec.message());
  }
  std::vector<Input> inputs = Inputs(spec);
  std::reverse(inputs.begin(), inputs.end());
  // All are checked before any is read.
  std::vector<fs::path> sources;
  for (const Input& input : inputs) {
    VIGIL_ASSIGN_OR_RETURN(fs::path source,
                           ConfinedInput(input.what, input.pin->path, options, root));
    sources.push_back(std::move(source));
  }
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Input& input = inputs[i];
    const fs::path path(input.pin->path);
    fs::path target = (tree_spec_dir / path).lexically_normal();
    fs::create_directories(target.parent_path(), ec);
    auto actual = crypto::Sha256OfFile(sources[i], kMaxInput, target);
    if (!actual.ok()) {
      // The usual cause: relative paths start where the original spec was, not here.
      return Error(actual.error().code(),
                   input.what + ": " + actual.error().message() + " (relative paths start at " +
                       "--spec-dir, the directory the original spec was in: now '" +
                       options.spec_dir.string() + "')");
    }
    if (input.pin->sha256 && *input.pin->sha256 != crypto::Sha256Hex(*actual)) {
      return Error::BadInput(input.what + " " + (options.spec_dir / path).string() +
                             " has SHA-256 " + crypto::Sha256Hex(*actual) +
                             " but the release pins " + *input.pin->sha256 +
                             "; reproduce needs the exact inputs of the release");
    }
  }
  return OkStatus();
}

bool Works(const std::vector<std::string>& argv) {
  auto run = Run({.argv = argv, .capture_stderr = true}, std::chrono::seconds(10));
  return run.ok() && run->exit.ok();
}

// A locale name as glibc compares it: "fr_FR.UTF-8" and "fr_FR.utf8" are one locale.
std::string NormalizedLocale(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c != '-') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// A locale that exists here and is not the caller's, for the rebuild; empty if none.
std::string OtherLocale() {
  const char* mine = std::getenv("LC_ALL");
  if (mine == nullptr || *mine == '\0') mine = std::getenv("LANG");
  const std::string current = NormalizedLocale(mine != nullptr ? mine : "C");
  for (const char* name : {"fr_FR.UTF-8", "C.UTF-8"}) {
    if (current == NormalizedLocale(name)) continue;
    locale_t locale = ::newlocale(LC_ALL_MASK, name, nullptr);
    if (locale == nullptr) continue;  // not generated on this machine
    ::freelocale(locale);
    return name;
  }
  return "";
}

// The caller's umask, read without changing it (umask(2) would, for every thread). /proc
// files report size 0, so this is a stream read rather than ReadFile.
std::optional<unsigned> CurrentUmask() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("Umask:", 0) == 0) {
      std::string_view digits = std::string_view(line).substr(6);
      digits.remove_prefix(std::min(digits.find_first_not_of(" \t"), digits.size()));
      const ScannedNumber<std::uint64_t> mask = ScanOctal(digits, 0777);
      if (!mask.ok()) return std::nullopt;
      return static_cast<unsigned>(mask.value);
    }
  }
  return std::nullopt;
}

// Variation: the build path. A fresh tree under another name, deep enough that the spec's
// "../" paths stay inside it, holding the inputs (copied in reverse order) and the spec at
// <tree>/src/level*/spec/image.toml, with a home and a working directory beside them.
Result<fs::path> PrepareTree(const TempDir& tree, const ImageSpec& spec, ByteView spec_text,
                             const ReproduceOptions& options, ReproduceResult& result) {
  std::size_t depth = 0;
  for (const Input& input : Inputs(spec)) depth = std::max(depth, Climb(input.pin->path));
  fs::path spec_dir = tree.path() / "src";
  for (std::size_t i = 0; i < depth; ++i) spec_dir /= "level" + std::to_string(i);
  spec_dir /= "spec";
  std::error_code ec;
  fs::create_directories(spec_dir, ec);
  fs::create_directories(tree.path() / "home", ec);
  fs::create_directories(tree.path() / "cwd", ec);
  VIGIL_RETURN_IF_ERROR(CopyInputs(spec, options, spec_dir));
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(spec_dir / "image.toml", spec_text, 0644));
  result.variations = {"build path (" + tree.path().string() + ")",
                       "input files created in reverse order", "working directory"};
  return spec_dir;
}

// The rebuild's environment: fixed, and varied from the caller's (time zone, home, PATH, an
// extra variable, the locale when another one is generated here).
std::map<std::string, std::string> VariedEnvironment(const fs::path& home,
                                                     ReproduceResult& result) {
  const char* path_env = std::getenv("PATH");
  std::map<std::string, std::string> env = {
      {"PATH",
       std::string(path_env ? path_env : "/usr/bin:/bin") + ":/nonexistent/vigil-reproduce"},
      {"HOME", home.string()},
      {"TZ", "Pacific/Kiritimati"},
      {"VIGIL_REPRODUCE_EXTRA_VARIABLE", "1"},
      // An ASan build of vigil tolerates libfaketime's preload.
      {"ASAN_OPTIONS", "verify_asan_link_order=0"},
  };
  result.variations.insert(result.variations.end(), {"TZ=Pacific/Kiritimati", "HOME", "PATH suffix",
                                                     "extra environment variable"});
  if (std::string locale = OtherLocale(); !locale.empty()) {
    env["LANG"] = locale;
    env["LC_ALL"] = locale;
    result.variations.push_back("locale " + locale);
  } else {
    result.skipped.push_back("locale (no locale but the caller's is generated; run scripts/setup)");
  }
  return env;
}

// What the rebuild runs under: the commands that vary CPUs, clock and hostname (those this
// machine allows), and the shell script that sets the umask and the hostname.
struct VariedCommand {
  std::vector<std::string> argv;
  std::string script;
};

VariedCommand VaryCommand(const std::string& umask, ReproduceResult& result) {
  VariedCommand command;
  // One CPU fewer, from the CPUs we really have. Not on two: a one-CPU rebuild takes twice
  // as long, and the one-CPU build is compared in tests/image_reproducible.sh.
  std::vector<int> cpus = UsableCpus();
  if (cpus.size() >= 3 && !FindExecutable("taskset").empty()) {
    std::string list;
    for (std::size_t i = 0; i + 1 < cpus.size(); ++i) {
      list += (i == 0 ? "" : ",") + std::to_string(cpus[i]);
    }
    command.argv.insert(command.argv.end(), {"taskset", "-c", list});
    result.variations.push_back("CPUs: " + std::to_string(cpus.size() - 1) + " of " +
                                std::to_string(cpus.size()));
  } else {
    result.skipped.push_back("CPU count (" + std::to_string(cpus.size()) +
                             " CPUs here; the one-CPU build is compared by the test suite)");
  }
  if (!FindExecutable("faketime").empty() && Works({"faketime", "-f", "+1000d", "true"})) {
    command.argv.insert(command.argv.end(), {"faketime", "-f", "+1000d"});
    result.variations.push_back("wall clock +1000 days (faketime)");
  } else {
    result.skipped.push_back("wall clock (faketime is not installed)");
  }
  command.script = "umask " + umask + " && exec \"$0\" \"$@\"";
  // A UTS namespace needs root, or a user namespace (-r) where unprivileged ones are allowed.
  std::vector<std::string> unshare;
  if (Works({"unshare", "--uts", "hostname", "vigil-reproduce"})) {
    unshare = {"unshare", "--uts", "--"};
  } else if (Works({"unshare", "-r", "--uts", "hostname", "vigil-reproduce"})) {
    unshare = {"unshare", "-r", "--uts", "--"};
  }
  if (!unshare.empty()) {
    command.argv.insert(command.argv.end(), unshare.begin(), unshare.end());
    command.script = "hostname vigil-reproduce && " + command.script;
    result.variations.push_back("hostname vigil-reproduce (new UTS namespace)");
  } else {
    result.skipped.push_back("hostname (no permission for a UTS namespace)");
  }
  return command;
}

// Runs `vigil image build` on the tree's spec into <tree>/out under the varied conditions.
Status Rebuild(const TempDir& tree, const fs::path& spec_dir, const ReproduceOptions& options,
               ReproduceResult& result) {
  std::map<std::string, std::string> env = VariedEnvironment(tree.path() / "home", result);
  // 0022 and 0002, whichever the caller does not use.
  const std::string umask = CurrentUmask() == 0002u ? "0022" : "0002";
  result.variations.push_back("umask " + umask);
  VariedCommand command = VaryCommand(umask, result);
  std::vector<std::string>& argv = command.argv;
  argv.insert(argv.end(),
              {"sh", "-c", command.script, options.vigil.string(), "image", "build",
               (spec_dir / "image.toml").string(), "--out", (tree.path() / "out").string()});
  auto build = Run({.argv = argv,
                    .env = env,
                    .working_dir = (tree.path() / "cwd").string(),
                    .capture_stderr = true},
                   std::chrono::minutes(30));
  if (!build.ok()) return build.error();
  result.build_log = build->output;
  if (!build->exit.ok()) {
    return Error::Failed("the rebuild failed (exit " + std::to_string(build->exit.code) + "):\n" +
                         build->output);
  }
  return OkStatus();
}

}  // namespace

Result<ReproduceResult> Reproduce(const ReproduceOptions& options) {
  VIGIL_ASSIGN_OR_RETURN(fs::path resolved_path, FindResolvedSpec(options.dist));
  // The release must be intact before it is worth rebuilding: every listed file present and
  // matching, nothing extra (kFailed naming each bad file otherwise).
  VIGIL_ASSIGN_OR_RETURN(std::string released_sums, encoding::CheckDistManifest(options.dist));
  auto text = ReadFile(resolved_path, 1 << 20);
  if (!text.ok()) return text.error();
  // The release's own epoch: SOURCE_DATE_EPOCH from our environment must not override it.
  VIGIL_ASSIGN_OR_RETURN(ImageSpec spec, ParseSpec(AsText(*text), options.spec_dir,
                                                   resolved_path.string(), std::nullopt));

  ReproduceResult result;
  VIGIL_ASSIGN_OR_RETURN(TempDir tree,
                         TempDir::Create(fs::temp_directory_path(), "vigil-reproduce-"));
  VIGIL_ASSIGN_OR_RETURN(fs::path spec_dir, PrepareTree(tree, spec, *text, options, result));
  VIGIL_RETURN_IF_ERROR(Rebuild(tree, spec_dir, options, result));
  VIGIL_ASSIGN_OR_RETURN(result.differences,
                         CompareDists(options.dist, released_sums, tree.path() / "out"));
  if (options.keep) {
    result.kept_tree = tree.path();
    tree.Release();
  }
  return result;
}

}  // namespace vigil::image
