#include <cstdio>
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "kernel/kernel_build.h"
#include "kernel/kernel_source.h"
#include "kernel/kernel_spec.h"

namespace vigil::cli {
namespace {

struct BuildArgs {
  std::string spec;
  std::string out;
  std::string cache;  // empty: $XDG_CACHE_HOME/vigil or ~/.cache/vigil
  std::string source_deb;
  int jobs = 2;
  int timeout = 3600;
  bool no_cache = false;
  bool verbose = false;
  bool json = false;
};

Status RunBuild(const BuildArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(const kernel::KernelSpec spec, kernel::ReadKernelSpec(args.spec));
  kernel::KernelBuildOptions options;
  if (args.cache.empty()) {
    VIGIL_ASSIGN_OR_RETURN(options.cache_dir, kernel::DefaultCacheDir());
  } else {
    options.cache_dir = std::filesystem::absolute(args.cache);
  }
  if (!args.source_deb.empty()) options.source_deb = std::filesystem::absolute(args.source_deb);
  options.jobs = args.jobs;
  options.use_cache = !args.no_cache;
  options.timeout = std::chrono::seconds(args.timeout);
  // Always: a cold build takes minutes, and its progress belongs in any log of it (a farm's).
  options.say = ShowStep;
  if (args.verbose) {
    options.make_output = [](std::string_view chunk) { std::cerr << chunk << std::flush; };
  }
  VIGIL_ASSIGN_OR_RETURN(const kernel::KernelBuildSummary summary,
                         kernel::BuildKernel(spec, args.out, options));
  if (args.json) {
    Json files = Json::array();
    for (const auto& f : summary.files) files.push_back({{"name", f.name}, {"sha256", f.hex()}});
    PrintJson(Json{{"name", spec.name},
                   {"out", args.out},
                   {"kernel_release", summary.kernel_release},
                   {"cache_key", summary.cache_key},
                   {"cache", summary.cache_hit ? "hit" : "miss"},
                   {"bzimage_size", summary.bzimage_size},
                   {"files", files}});
    return OkStatus();
  }
  std::cout << "built kernel " << spec.name << " (" << summary.kernel_release << ") in " << args.out
            << "\n  cache " << (summary.cache_hit ? "hit" : "miss") << ": " << summary.cache_key
            << "\n";
  for (const auto& f : summary.files) {
    std::printf("  %-12s %s\n", f.name.c_str(), f.hex().c_str());
  }
  return OkStatus();
}

}  // namespace

void AddKernelCommands(CLI::App& app, int* exit_code) {
  CLI::App* kernel = app.add_subcommand("kernel", "Build our own minimal, hardened kernel");
  kernel->require_subcommand(1);
  auto [b, build] = AddCommand<BuildArgs>(
      *kernel, "build",
      "Build the kernel a spec pins (or take it from the cache) into a new output directory",
      exit_code, RunBuild);
  b->add_option("SPEC", build->spec, "The kernel spec (TOML)")->required();
  b->add_option("--out", build->out, "Output directory (must not exist)")->required();
  b->add_option("--cache", build->cache,
                "Cache of source packages and finished builds (default $XDG_CACHE_HOME/vigil "
                "or ~/.cache/vigil)");
  b->add_option("--source-deb", build->source_deb,
                "Build from this source package (checked against the spec's pin) instead of "
                "the cache or apt: e.g. a farm's pinned input");
  b->add_option("--jobs", build->jobs, "Parallel compile jobs")->check(CLI::Range(1, 256));
  b->add_option("--timeout", build->timeout, "Seconds the compile may take")
      ->check(CLI::Range(60, 86400));
  b->add_flag("--no-cache", build->no_cache,
              "Build even when the cache holds this kernel, and do not store it");
  b->add_flag("--verbose", build->verbose,
              "Print make's whole output as it comes (to stderr), e.g. for a farm's build log");
  b->add_flag("--json", build->json, "Print the summary as JSON");
}

}  // namespace vigil::cli
