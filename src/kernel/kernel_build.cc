#include "kernel/kernel_build.h"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "base/file.h"
#include "base/signal_block.h"
#include "base/subprocess.h"
#include "base/time.h"
#include "crypto/file_hash.h"
#include "crypto/hash.h"
#include "encoding/dist_manifest.h"
#include "encoding/sha256sums.h"
#include "encoding/toml_reader.h"
#include "kernel/kconfig.h"
#include "kernel/kernel_source.h"
#include "kernel/target.h"

namespace vigil::kernel {
namespace fs = std::filesystem;
namespace {

// Bumped whenever the recipe below changes what a build produces.
constexpr char kRecipe[] = "vigil-kernel-build 2";
constexpr std::uint64_t kMaxOutputFile = 64 << 20;
constexpr auto kToolTimeout = std::chrono::seconds(30);
constexpr auto kConfigTimeout = std::chrono::minutes(5);

using Fragments = std::vector<std::pair<std::string, KconfigValues>>;

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string Tail(const std::string& text, std::size_t lines) {
  std::size_t at = text.size();
  while (lines-- > 0 && at > 0) at = text.rfind('\n', at - 1);
  return at == std::string::npos ? text : text.substr(at == 0 ? 0 : at + 1);
}

Result<std::string> ToolVersion(const std::string& tool) {
  auto ran = Run(Command{.argv = {tool, "--version"},
                         .env = std::map<std::string, std::string>{{"PATH", "/usr/bin:/bin"},
                                                                   {"LC_ALL", "C"}}},
                 kToolTimeout);
  if (!ran.ok() || !ran->exit.ok()) {
    return Error::MissingEnv(tool + " is not installed: run scripts/setup");
  }
  return FirstLine(ran->output);
}

// What the build's processes see: nothing of the caller's environment.
std::map<std::string, std::string> BuildEnvironment(const KernelSpec& spec, const fs::path& home) {
  return {{"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"},
          {"HOME", home.string()},
          {"LC_ALL", "C"},
          {"TZ", "UTC"},
          {"SOURCE_DATE_EPOCH", std::to_string(spec.source_date_epoch)},
          // The banner's date (uname -v); `date -d` reads it where the kernel parses it.
          {"KBUILD_BUILD_TIMESTAMP", FormatRfc3339Offset(spec.source_date_epoch)},
          {"KBUILD_BUILD_USER", "vigil"},
          {"KBUILD_BUILD_HOST", "vigil"},
          {"KBUILD_BUILD_VERSION", "1"},
          {"KCONFIG_NOTIMESTAMP", "1"}};
}

// The spec's fragments, each read once: its values (named by file name, for messages) and
// its digest (by path, for the cache key and the resolved spec), so what is hashed is what
// is built.
struct LoadedFragments {
  Fragments values;
  std::vector<crypto::NamedDigest> digests;
};

Result<LoadedFragments> ReadFragments(const KernelSpec& spec) {
  LoadedFragments fragments;
  for (const fs::path& path : spec.fragments) {
    VIGIL_ASSIGN_OR_RETURN(const Bytes text, ReadFile(path, kMaxConfigSize));
    VIGIL_ASSIGN_OR_RETURN(KconfigValues values,
                           ParseKconfig(AsText(text), path.filename().string()));
    fragments.values.emplace_back(path.filename().string(), std::move(values));
    fragments.digests.push_back({spec.FragmentName(path), crypto::Sha256(text)});
  }
  return fragments;
}

// Every input of a build, one per line; its SHA-256 is the cache key.
std::string CacheKeyText(const KernelSpec& spec, const LoadedFragments& fragments,
                         const Toolchain& toolchain) {
  std::string text = std::string(kRecipe) + "\n";
  text += "source " + spec.source.package + " " + spec.source.version + " " +
          crypto::Sha256Hex(spec.source.deb_sha256) + "\n";
  for (const crypto::NamedDigest& fragment : fragments.digests) {
    text += "fragment " + fragment.name + " " + fragment.hex() + "\n";
  }
  for (Target target : spec.targets) text += "target " + TargetName(target) + "\n";
  text += "source_date_epoch " + std::to_string(spec.source_date_epoch) + "\n";
  text += "gcc " + toolchain.gcc + "\nbinutils " + toolchain.binutils + "\nmake " + toolchain.make +
          "\n";
  return text;
}

// The spec as written (FormatKernelSpec), with each fragment's hash and what the build found.
Result<std::string> ResolvedSpecToml(const KernelSpec& spec, const KernelBuildSummary& summary,
                                     const std::vector<crypto::NamedDigest>& fragments) {
  VIGIL_ASSIGN_OR_RETURN(toml::table doc, ParseToml(FormatKernelSpec(spec), kResolvedSpecFile));
  toml::array fragment_list;
  for (const auto& fragment : fragments) {
    fragment_list.push_back(toml::table{{"path", fragment.name}, {"sha256", fragment.hex()}});
  }
  doc.insert_or_assign("fragments", fragment_list);
  doc.insert("kernel_release", summary.kernel_release);
  doc.insert("cache_key", summary.cache_key);
  doc.insert("toolchain", toml::table{{"gcc", summary.toolchain.gcc},
                                      {"binutils", summary.toolchain.binutils},
                                      {"make", summary.toolchain.make}});
  toml::table cmdlines;
  for (Target target : spec.targets) {
    cmdlines.insert(TargetName(target), RecommendedCmdline(target));
  }
  doc.insert("cmdline", cmdlines);
  std::ostringstream text;
  text << "# Resolved by vigil kernel build: every input of this kernel, pinned.\n" << doc << "\n";
  return text.str();
}

Result<RunOutput> Make(const fs::path& source, const std::map<std::string, std::string>& env,
                       std::vector<std::string> targets, std::chrono::seconds timeout) {
  std::vector<std::string> argv = {"make", "-C", source.string(), "ARCH=x86_64"};
  argv.insert(argv.end(), targets.begin(), targets.end());
  return Run(Command{.argv = argv, .env = env, .capture_stderr = true}, timeout);
}

// tinyconfig, the fragments through merge_config.sh, olddefconfig; then every requested
// symbol and every target's guarantee must have survived. Returns the resolved .config.
Result<Bytes> ResolveConfig(const KernelSpec& spec, const Fragments& fragments,
                            const fs::path& source, const std::map<std::string, std::string>& env) {
  VIGIL_ASSIGN_OR_RETURN(KconfigIndex index, KconfigIndex::Load(source));
  std::string unknown;
  for (const auto& [origin, values] : fragments) {
    for (const auto& entry : values) {
      if (!index.Defines(entry.first)) unknown += " " + entry.first + " (" + origin + ")";
    }
  }
  if (!unknown.empty()) {
    return Error::BadInput("symbols no Kconfig file of " + spec.source.package + " " +
                           spec.source.version + " defines:" + unknown +
                           ": misspelt, or renamed in this version; fix the fragment");
  }
  VIGIL_ASSIGN_OR_RETURN(const KconfigValues merged, MergeFragments(fragments));
  VIGIL_RETURN_IF_ERROR(
      WriteFileAtomic(source / "vigil-fragments.config", AsBytes(FormatKconfig(merged))));
  const std::vector<std::vector<std::string>> steps = {
      {"make", "-C", source.string(), "ARCH=x86_64", "tinyconfig"},
      {"scripts/kconfig/merge_config.sh", "-m", "-O", ".", ".config", "vigil-fragments.config"},
      {"make", "-C", source.string(), "ARCH=x86_64", "olddefconfig"}};
  for (const auto& argv : steps) {
    VIGIL_ASSIGN_OR_RETURN(RunOutput ran, Run(Command{.argv = argv,
                                                      .env = env,
                                                      .working_dir = source.string(),
                                                      .capture_stderr = true},
                                              kConfigTimeout));
    if (!ran.exit.ok()) {
      return Error::Failed(argv[argv.size() - 1] + " failed:\n" + Tail(ran.output, 20));
    }
  }
  VIGIL_ASSIGN_OR_RETURN(Bytes config, ReadFile(source / ".config", kMaxConfigSize));
  VIGIL_ASSIGN_OR_RETURN(const KconfigValues resolved, ParseKconfig(AsText(config), ".config"));
  Fragments wanted = fragments;
  for (Target target : spec.targets) {
    wanted.emplace_back("target " + TargetName(target), TargetRequirements(target));
  }
  const std::vector<Deviation> deviations = FindDeviations(wanted, resolved);
  if (!deviations.empty()) {
    return Error::BadInput("Kconfig did not keep " + std::to_string(deviations.size()) +
                           " requested value(s):\n" + DescribeDeviations(deviations, index) +
                           "enable what they depend on in a fragment, or drop the request");
  }
  return config;
}

// `make bzImage`, its output kept for the log, with a progress line every 20 s (the number of
// files compiled so far) so a cold build of minutes never looks hung.
Result<RunOutput> MakeWithProgress(const fs::path& source,
                                   const std::map<std::string, std::string>& env,
                                   const KernelBuildOptions& options) {
  RunOutput built;
  std::size_t compiled = 0;
  auto last = std::chrono::steady_clock::now();
  Watch watch;
  std::size_t scanned = 0;
  watch.on_output = [&](Stream, std::string_view chunk) {
    // Make writes a line at a time: look for a line start across chunks, in what we kept.
    built.output.append(chunk);
    if (options.make_output) options.make_output(chunk);
    for (std::size_t at; (at = built.output.find("\n  CC ", scanned)) != std::string::npos;) {
      ++compiled;
      scanned = at + 1;
    }
    scanned = std::max(scanned, built.output.size() < 5 ? 0 : built.output.size() - 5);
    return true;
  };
  watch.on_tick = [&] {
    if (std::chrono::steady_clock::now() - last >= std::chrono::seconds(20)) {
      last = std::chrono::steady_clock::now();
      options.say("compiling: " + std::to_string(compiled) + " files so far");
    }
    return true;
  };
  watch.tick = std::chrono::seconds(1);
  VIGIL_ASSIGN_OR_RETURN(
      built.exit, RunWatched(Command{.argv = {"make", "-C", source.string(), "ARCH=x86_64",
                                              "-j" + std::to_string(options.jobs), "bzImage"},
                                     .env = env,
                                     .capture_stderr = true},
                             options.timeout, watch));
  return built;
}

Result<std::string> CompileBzImage(const fs::path& source,
                                   const std::map<std::string, std::string>& env,
                                   const KernelBuildOptions& options) {
  options.say("compiling bzImage with " + std::to_string(options.jobs) +
              " jobs (a cold build takes minutes)");
  VIGIL_ASSIGN_OR_RETURN(RunOutput built, MakeWithProgress(source, env, options));
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(source / "vigil-build.log", AsBytes(built.output)));
  if (built.exit.timed_out) {
    return Error::Failed("the kernel build took over " + std::to_string(options.timeout.count()) +
                         " s and was stopped");
  }
  if (!built.exit.ok()) {
    return Error::Failed("the kernel build failed; its last lines:\n" + Tail(built.output, 30));
  }
  VIGIL_ASSIGN_OR_RETURN(RunOutput release,
                         Make(source, env, {"-s", "kernelrelease"}, kConfigTimeout));
  if (!release.exit.ok()) return Error::Failed("make kernelrelease failed");
  return FirstLine(release.output);
}

// Writes `files` (name -> bytes) and SHA256SUMS into `dir`.
Result<std::vector<crypto::NamedDigest>> WriteOutputs(
    const fs::path& dir, const std::vector<std::pair<std::string, Bytes>>& files) {
  std::vector<crypto::NamedDigest> written;
  for (const auto& [name, bytes] : files) {
    VIGIL_RETURN_IF_ERROR(WriteFileAtomic(dir / name, bytes, 0644));
    written.push_back({name, crypto::Sha256(bytes)});
  }
  std::sort(written.begin(), written.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  const std::string sums = encoding::FormatSums(written);
  VIGIL_RETURN_IF_ERROR(WriteFileAtomic(dir / encoding::kSumsName, AsBytes(sums), 0644));
  written.push_back({encoding::kSumsName, crypto::Sha256(AsBytes(sums))});
  return written;
}

Result<std::vector<crypto::NamedDigest>> CopyVerified(const fs::path& from, const fs::path& to) {
  VIGIL_RETURN_IF_ERROR(encoding::CheckDistManifest(from).status());
  VIGIL_ASSIGN_OR_RETURN(const encoding::Sums sums, encoding::ReadSums(from));
  std::vector<crypto::NamedDigest> files;
  for (const auto& [name, digest] : sums) {
    VIGIL_ASSIGN_OR_RETURN(const crypto::Sha256Digest copied,
                           crypto::Sha256OfFile(from / name, kMaxOutputFile, to / name));
    if (copied != digest) return Error::Failed(name + " changed while it was copied");
    files.push_back({name, digest});
  }
  VIGIL_ASSIGN_OR_RETURN(
      const crypto::Sha256Digest sums_digest,
      crypto::Sha256OfFile(from / encoding::kSumsName, kMaxOutputFile, to / encoding::kSumsName));
  files.push_back({encoding::kSumsName, sums_digest});
  return files;
}

}  // namespace

Result<Toolchain> DetectToolchain() {
  Toolchain toolchain;
  VIGIL_ASSIGN_OR_RETURN(toolchain.gcc, ToolVersion("gcc"));
  VIGIL_ASSIGN_OR_RETURN(toolchain.binutils, ToolVersion("ld"));
  VIGIL_ASSIGN_OR_RETURN(toolchain.make, ToolVersion("make"));
  return toolchain;
}

namespace {

// A miss: unpack the source, resolve and check the config, compile; the outputs go to
// `staging` and a copy to the cache.
Status BuildFresh(const KernelSpec& spec, const LoadedFragments& fragments,
                  const KernelBuildOptions& options, const fs::path& staging,
                  KernelBuildSummary& summary) {
  std::error_code error;
  VIGIL_ASSIGN_OR_RETURN(const fs::path deb,
                         options.source_deb.empty()
                             ? EnsureSourceDeb(spec.source, options.cache_dir, options.say)
                             : CheckSourceDeb(spec.source, options.source_deb));
  const fs::path work_parent =
      options.work_dir.empty() ? options.cache_dir / "work" : options.work_dir;
  fs::create_directories(work_parent, error);
  VIGIL_ASSIGN_OR_RETURN(TempDir work, TempDir::Create(work_parent, "kernel-"));
  options.say("unpacking " + deb.filename().string());
  VIGIL_ASSIGN_OR_RETURN(const fs::path source, ExtractSource(deb, work.path()));
  const auto env = BuildEnvironment(spec, work.path());
  options.say("resolving the config: tinyconfig, " + std::to_string(fragments.values.size()) +
              " fragment(s), olddefconfig");
  VIGIL_ASSIGN_OR_RETURN(Bytes config, ResolveConfig(spec, fragments.values, source, env));
  VIGIL_ASSIGN_OR_RETURN(summary.kernel_release, CompileBzImage(source, env, options));
  VIGIL_ASSIGN_OR_RETURN(Bytes bzimage, ReadFile(source / "arch/x86/boot/bzImage", kMaxOutputFile));
  VIGIL_ASSIGN_OR_RETURN(const std::string resolved,
                         ResolvedSpecToml(spec, summary, fragments.digests));
  std::vector<std::pair<std::string, Bytes>> outputs;
  outputs.emplace_back(kBzImageFile, std::move(bzimage));
  outputs.emplace_back(kConfigFile, std::move(config));
  const ByteView resolved_bytes = AsBytes(resolved);
  outputs.emplace_back(kResolvedSpecFile, Bytes(resolved_bytes.begin(), resolved_bytes.end()));
  VIGIL_ASSIGN_OR_RETURN(summary.files, WriteOutputs(staging, outputs));
  return OkStatus();
}

// Keeps a finished build for the next one with the same inputs: a copy renamed into place.
void StoreInCache(const fs::path& staging, const fs::path& cached) {
  std::error_code error;
  auto entry = TempDir::Create(cached.parent_path(), ".new-");
  if (!entry.ok()) return;
  fs::remove(entry->path(), error);
  fs::copy(staging, entry->path(), error);
  if (!error && !fs::exists(cached, error)) {
    fs::rename(entry->path(), cached, error);
    if (!error) entry->Release();
  }
}

// A hit: the cached build, checked against its SHA256SUMS, copied to `staging`.
bool TakeFromCache(const fs::path& cached, const fs::path& staging,
                   const KernelBuildOptions& options, KernelBuildSummary& summary) {
  std::error_code error;
  if (!fs::is_directory(cached, error)) return false;
  auto files = CopyVerified(cached, staging);
  if (!files.ok()) {
    options.say("the cached build is damaged (" + files.error().message() + "); rebuilding");
    fs::remove_all(cached, error);
    for (const auto& entry : fs::directory_iterator(staging, error))
      fs::remove(entry.path(), error);
    return false;
  }
  summary.files = *files;
  auto resolved = ReadFile(staging / kResolvedSpecFile, kMaxConfigSize);
  auto doc = resolved.ok() ? ParseToml(AsText(*resolved), kResolvedSpecFile)
                           : Result<toml::table>(resolved.error());
  if (doc.ok()) summary.kernel_release = (*doc)["kernel_release"].value_or(std::string());
  return true;
}

}  // namespace

Result<KernelBuildSummary> BuildKernel(const KernelSpec& spec, const fs::path& out,
                                       const KernelBuildOptions& options) {
  std::error_code error;
  if (fs::exists(fs::symlink_status(out, error))) {
    return Error::BadInput(out.string() + " already exists: choose a new --out directory");
  }
  const fs::path parent = fs::absolute(out).parent_path();
  if (!fs::is_directory(parent, error)) {
    return Error::BadInput("the parent of --out, " + parent.string() + ", is not a directory");
  }
  KernelBuildSummary summary;
  VIGIL_ASSIGN_OR_RETURN(const LoadedFragments fragments, ReadFragments(spec));
  VIGIL_RETURN_IF_ERROR(MergeFragments(fragments.values).status());
  VIGIL_ASSIGN_OR_RETURN(summary.toolchain, DetectToolchain());
  const std::string key_text = CacheKeyText(spec, fragments, summary.toolchain);
  summary.cache_key = crypto::Sha256Hex(crypto::Sha256(AsBytes(key_text)));
  const fs::path cached = options.cache_dir / "kernels" / summary.cache_key;
  fs::create_directories(cached.parent_path(), error);
  if (error) return Error::Failed("cannot create " + cached.parent_path().string());

  VIGIL_ASSIGN_OR_RETURN(TempDir staging,
                         TempDir::Create(parent, "." + out.filename().string() + ".partial-"));
  ::chmod(staging.path().c_str(), 0755);
  summary.cache_hit = options.use_cache && TakeFromCache(cached, staging.path(), options, summary);
  if (summary.cache_hit) {
    options.say("cache hit: " + summary.cache_key);
  } else {
    if (options.use_cache) options.say("cache miss: " + summary.cache_key);
    VIGIL_RETURN_IF_ERROR(BuildFresh(spec, fragments, options, staging.path(), summary));
    if (options.use_cache) StoreInCache(staging.path(), cached);
  }
  summary.bzimage_size = fs::file_size(staging.path() / kBzImageFile, error);
  ScopedSignalBlock no_interrupts;
  VIGIL_RETURN_IF_ERROR(PublishDirectory(staging.path(), out));
  staging.Release();
  return summary;
}

}  // namespace vigil::kernel
