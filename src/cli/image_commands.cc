#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "base/file.h"
#include "base/hex.h"
#include "base/printable.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "image/builder.h"
#include "image/eif.h"
#include "image/qemu_runner.h"
#include "image/spec.h"

namespace vigil::cli {
namespace {

struct BuildArgs {
  std::string spec;
  std::string out;
  bool json = false;
};

struct DescribeArgs {
  std::string eif;
  bool json = false;
};

struct RunArgs {
  std::string dir;
  std::string accel;  // empty: VIGIL_ACCEL, else auto
  int kvm_silence = static_cast<int>(image::kDefaultKvmSilenceLimit.count());
  int timeout = 120;
  int memory = 256;
  bool interactive = false;
  bool json = false;
};

std::optional<std::string> EpochFromEnvironment() {
  const char* value = std::getenv("SOURCE_DATE_EPOCH");
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Json PcrsJson(const image::Pcrs& pcrs) {
  return Json{{"HashAlgorithm", "Sha384 { ... }"},
              {"PCR0", HexEncode(pcrs.pcr0)},
              {"PCR1", HexEncode(pcrs.pcr1)},
              {"PCR2", HexEncode(pcrs.pcr2)}};
}

int RunBuild(const BuildArgs& args) {
  auto spec = image::LoadSpec(args.spec, EpochFromEnvironment());
  if (!spec.ok()) return ReportError(spec.error());
  // The default vigil-init is the one installed beside this vigil; a spec naming its own
  // [init] path does not need it.
  std::filesystem::path default_init;
  if (!spec->init || spec->init->path.empty()) {
    auto dir = ExecutableDir();
    if (!dir.ok()) return ReportError(dir.error());
    default_init = *dir / "vigil-init";
    std::error_code ec;
    if (!std::filesystem::exists(default_init, ec)) {
      return ReportError(
          Error::MissingEnv("vigil-init is not installed beside vigil (" + default_init.string() +
                            "); run `make build`, or name one with [init] path in the spec"));
    }
  }
  image::BuildOptions options{
      .out_dir = args.out, .default_init = default_init, .on_step = ShowProgress};
  auto summary = image::BuildImage(*spec, options);
  if (!summary.ok()) return ReportError(summary.error());

  if (args.json) {
    Json files = Json::array();
    for (const auto& f : summary->files) {
      files.push_back({{"name", f.name}, {"size", f.size}, {"sha256", f.sha256}});
    }
    Json out{{"name", summary->name},
             {"out", summary->out_dir.string()},
             {"initramfs_uncompressed_size", summary->initramfs_uncompressed},
             {"files", files}};
    if (summary->pcrs) out["Measurements"] = PcrsJson(*summary->pcrs);
    PrintJson(out);
    return 0;
  }
  std::cout << "built " << summary->name << " in " << summary->out_dir.string() << "\n";
  for (const auto& f : summary->files) {
    std::printf("  %-28s %10llu  %s\n", f.name.c_str(), static_cast<unsigned long long>(f.size),
                f.sha256.c_str());
  }
  if (summary->pcrs) std::cout << image::FormatPcrs(*summary->pcrs);
  return 0;
}

int RunDescribe(const DescribeArgs& args) {
  auto data = ReadFile(args.eif, image::kMaxEifFileSize);
  if (!data.ok()) return ReportError(data.error());
  auto info = image::ParseEif(*data);
  if (!info.ok()) return ReportError(info.error().WithContext(args.eif));

  if (args.json) {
    Json sections = Json::array();
    for (const auto& s : info->sections) {
      sections.push_back(
          {{"Type", image::SectionTypeName(s.type)}, {"Offset", s.offset}, {"Size", s.size}});
    }
    Json out{{"EifVersion", info->version},
             {"Measurements", PcrsJson(info->pcrs)},
             {"IsSigned", info->has_signature},
             {"CheckCRC", true},
             {"Crc32", info->crc32},
             {"Cmdline", info->cmdline},
             {"Sections", sections}};
    if (!info->metadata_json.empty()) {
      out["Metadata"] = Json::parse(info->metadata_json, nullptr, /*allow_exceptions=*/false);
    }
    PrintJson(out);
    return 0;
  }
  std::cout << "EIF version " << info->version << ", CRC32 " << std::hex << info->crc32 << std::dec
            << " (checked)\n";
  // The EIF is untrusted: its command line must not write on the terminal (forged PCR
  // lines, escape sequences hiding the real ones).
  std::cout << "cmdline: " << Printable(info->cmdline) << "\n";
  std::cout << "sections:\n";
  for (const auto& s : info->sections) {
    std::printf("  %-10s offset %10llu  size %10llu\n", image::SectionTypeName(s.type).c_str(),
                static_cast<unsigned long long>(s.offset), static_cast<unsigned long long>(s.size));
  }
  std::cout << image::FormatPcrs(info->pcrs);
  return 0;
}

// --accel, else VIGIL_ACCEL, else auto; a bad word says where it came from.
Result<image::Accelerator> ChosenAccelerator(const std::string& flag) {
  if (!flag.empty()) return image::ParseAccelerator(flag);
  const char* env = std::getenv("VIGIL_ACCEL");
  if (env == nullptr || *env == '\0') return image::Accelerator::kAuto;
  auto parsed = image::ParseAccelerator(env);
  if (!parsed.ok()) return parsed.error().WithContext("VIGIL_ACCEL");
  return parsed;
}

int RunRun(const RunArgs& args) {
  if (args.timeout <= 0) return ReportError(Error::BadInput("--timeout must be positive"));
  auto accelerator = ChosenAccelerator(args.accel);
  if (!accelerator.ok()) return ReportError(accelerator.error());
  image::QemuOptions options;
  options.timeout = std::chrono::seconds(args.timeout);
  options.accelerator = *accelerator;
  options.kvm_silence_limit = std::chrono::seconds(args.kvm_silence);
  options.memory_mib = args.memory;
  options.interactive = args.interactive;
  // With --json, stdout carries only the result, so the console goes to stderr.
  if (args.json) {
    options.on_console = [](std::string_view text) { std::cerr.write(text.data(), text.size()); };
  }
  auto result = image::RunInQemu(args.dir, options);
  if (!result.ok()) return ReportError(result.error());
  if (!result->kvm_unusable.empty()) {
    // Exit 3 like any missing device; --json tells it apart from a target that exits 3.
    if (args.json) PrintJson({{"error", "kvm-unusable"}, {"reason", result->kvm_unusable}});
    return ReportError(Error::MissingEnv("KVM cannot run this image (" + result->kvm_unusable +
                                         "); use --accel auto or tcg to emulate instead"));
  }
  const bool kvm = result->accelerator == image::Accelerator::kKvm;
  if (args.json) {
    Json out{{"target_exit_status", result->target_exit_status},
             {"accelerator", image::AcceleratorName(result->accelerator)}};
    if (result->fell_back) out["fallback_reason"] = result->tcg_reason;
    PrintJson(out);
    return result->target_exit_status;
  }
  std::cerr << "vigil: target exited with status " << result->target_exit_status
            << (kvm ? " (KVM)" : " (TCG: " + result->tcg_reason + ")") << "\n";
  return result->target_exit_status;
}

}  // namespace

void AddImageCommands(CLI::App& app, int* exit_code) {
  CLI::App* image = app.add_subcommand("image", "Build, inspect and boot images");
  image->require_subcommand(1);

  auto build = std::make_shared<BuildArgs>();
  CLI::App* b =
      image->add_subcommand("build", "Build an image from a spec into a new output directory");
  b->add_option("SPEC", build->spec, "The image spec (TOML)")->required();
  b->add_option("--out", build->out, "Output directory (must not exist)")->required();
  b->add_flag("--json", build->json, "Print the summary as JSON");
  b->callback([build, exit_code] { *exit_code = RunBuild(*build); });

  auto describe = std::make_shared<DescribeArgs>();
  CLI::App* d = image->add_subcommand(
      "describe", "Check an EIF (magic, version, bounds, CRC) and print its sections and PCRs");
  d->add_option("EIF", describe->eif, "The .eif file")->required();
  d->add_flag("--json", describe->json, "Print as JSON (keys as nitro-cli describe-eif)");
  d->callback([describe, exit_code] { *exit_code = RunDescribe(*describe); });

  auto run = std::make_shared<RunArgs>();
  CLI::App* r = image->add_subcommand(
      "run", "Boot a generic image in QEMU; exit with the target's exit status");
  r->add_option("DIR", run->dir, "An output directory of `vigil image build`")->required();
  r->add_option("--accel", run->accel,
                "auto (KVM, and TCG when KVM is absent or fails), kvm (fail with exit 3 "
                "rather than emulate) or tcg; default $VIGIL_ACCEL, else auto");
  r->add_option("--kvm-silence", run->kvm_silence,
                "Seconds a KVM boot may print nothing on the console before it is taken "
                "for a KVM that cannot run the guest")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  r->add_option("--timeout", run->timeout,
                "Seconds before the boot is abandoned (a failed KVM attempt does not count)")
      ->capture_default_str();
  r->add_option("--memory", run->memory, "Guest memory in MiB")
      ->check(CLI::Range(64, 65536))
      ->capture_default_str();
  r->add_flag("--interactive", run->interactive,
              "Connect standard input to the serial console (for debug images' shell)");
  r->add_flag("--json", run->json,
              "Print the result as JSON on stdout (the console goes to stderr); a target's "
              "status is then told apart from vigil's own exit codes");
  r->callback([run, exit_code] { *exit_code = RunRun(*run); });
}

}  // namespace vigil::cli
