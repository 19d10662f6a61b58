#include <iostream>

#include "base/printable.h"
#include "base/subprocess.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "image/reproduce.h"
#include "kernel/kernel_reproduce.h"
#include "kernel/kernel_source.h"

namespace vigil::cli {
namespace {

struct ReproduceArgs {
  std::string dist;
  std::string spec_dir = ".";
  std::string inputs_root;
  bool keep = false;
  bool json = false;
};

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

// A kernel output directory: rebuilt without the cache, as another user, elsewhere.
Result<int> RunReproduceKernel(const ReproduceArgs& args, const std::filesystem::path& vigil) {
  kernel::KernelReproduceOptions options{
      .dir = args.dist, .spec_dir = args.spec_dir, .vigil = vigil, .keep = args.keep};
  VIGIL_ASSIGN_OR_RETURN(options.cache_dir, kernel::DefaultCacheDir());
  ShowProgress("rebuilding the kernel in " + args.dist +
               " without the cache, in a fresh tree (a cold build: minutes)");
  VIGIL_ASSIGN_OR_RETURN(const kernel::KernelReproduceResult result,
                         kernel::ReproduceKernel(options));
  if (args.json) {
    Json out{{"identical", result.differing.empty()},
             {"differences", result.differing},
             {"variations", result.variations},
             {"skipped", result.skipped},
             {"notes", result.notes}};
    if (!result.kept_tree.empty()) out["kept"] = result.kept_tree.string();
    PrintJson(out);
    return result.differing.empty() ? 0 : 1;
  }
  for (const auto& file : result.differing) std::cout << "DIFFERS " << Printable(file) << "\n";
  for (const auto& note : result.notes) std::cout << "note: " << note << "\n";
  if (!result.kept_tree.empty()) std::cout << "kept " << result.kept_tree.string() << "\n";
  if (!result.skipped.empty()) std::cout << "not varied: " << Join(result.skipped) << "\n";
  std::cout << (result.differing.empty() ? "REPRODUCED: identical" : "NOT REPRODUCED")
            << "; varied: " << Join(result.variations) << "\n";
  return result.differing.empty() ? 0 : 1;
}

Result<int> RunReproduce(const ReproduceArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(std::filesystem::path dir, ExecutableDir());
  if (kernel::IsKernelDir(args.dist)) return RunReproduceKernel(args, dir / "vigil");
  image::ReproduceOptions options{.dist = args.dist,
                                  .spec_dir = args.spec_dir,
                                  .inputs_root = args.inputs_root,
                                  .vigil = dir / "vigil",
                                  .keep = args.keep};
  ShowProgress("rebuilding " + args.dist + " in a fresh tree under varied conditions");
  VIGIL_ASSIGN_OR_RETURN(image::ReproduceResult result, image::Reproduce(options));

  if (args.json) {
    Json differences = Json::array();
    for (const auto& d : result.differences) {
      differences.push_back({{"file", d.file}, {"details", d.details}});
    }
    Json out{{"identical", result.differences.empty()},
             {"differences", differences},
             {"variations", result.variations},
             {"skipped", result.skipped}};
    if (!result.kept_tree.empty()) out["kept"] = result.kept_tree.string();
    PrintJson(out);
    return result.differences.empty() ? 0 : 1;
  }
  for (const auto& d : result.differences) {
    std::cout << "DIFFERS " << Printable(d.file) << "\n";
    for (const auto& detail : d.details) std::cout << "  " << Printable(detail) << "\n";
  }
  if (!result.differences.empty() && !FindExecutable("diffoscope").empty()) {
    if (result.kept_tree.empty()) {
      std::cout << "for a full comparison with diffoscope, rerun with --keep\n";
    } else {
      for (const auto& d : result.differences) {
        std::cout << "compare: diffoscope " << (std::filesystem::path(args.dist) / d.file).string()
                  << " " << (result.kept_tree / "out" / d.file).string() << "\n";
      }
    }
  }
  if (!result.kept_tree.empty()) std::cout << "kept " << result.kept_tree.string() << "\n";
  if (!result.skipped.empty()) std::cout << "not varied: " << Join(result.skipped) << "\n";
  std::cout << (result.differences.empty() ? "REPRODUCED: identical" : "NOT REPRODUCED")
            << "; varied: " << Join(result.variations) << "\n";
  return result.differences.empty() ? 0 : 1;
}

}  // namespace

void AddReproduceCommand(CLI::App& app, int* exit_code) {
  auto [r, args] = AddCommand<ReproduceArgs>(
      app, "reproduce",
      "Rebuild a release from its recorded spec under varied conditions; exit 0 if identical",
      exit_code, RunReproduce);
  r->add_option("DIST", args->dist,
                "An output directory of `vigil image build` or `vigil kernel build`")
      ->required();
  r->add_option("--spec-dir", args->spec_dir,
                "Where the original spec was: its relative input (or fragment) paths start there")
      ->capture_default_str();
  r->add_option("--inputs-root", args->inputs_root,
                "The only directory inputs are read from (default: --spec-dir); the release's "
                "spec may name no absolute path and no path leading outside it");
  r->add_flag("--keep", args->keep, "Keep the rebuild tree and say where it is");
  r->add_flag("--json", args->json, "Print the result as JSON");
}

}  // namespace vigil::cli
