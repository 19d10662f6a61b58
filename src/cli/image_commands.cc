#include <stdlib.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "attestation/tpm_document.h"
#include "attestation/tpm_event_log.h"
#include "base/file.h"
#include "base/hex.h"
#include "base/printable.h"
#include "base/strict_number.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "image/builder.h"
#include "image/eif.h"
#include "image/qemu_runner.h"
#include "image/quorum_host.h"
#include "image/spec.h"
#include "image/swtpm.h"
#include "image/tpm_output.h"

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
  std::string machine = "pc";
  int kvm_silence = static_cast<int>(image::kDefaultKvmSilenceLimit.count());
  int timeout = 120;
  int memory = 0;  // the image's memory_mib, else image::kDefaultMemoryMib
  bool interactive = false;
  bool json = false;
  std::string host;  // IP:PORT: a quorum image behind vigil-host
  std::string channel = "vigil-quorum";
  bool uefi = false;   // through OVMF
  bool tpm = false;    // through OVMF with a fresh swtpm
  std::string tpm_ca;  // the swtpm test CA's directory, kept; empty: a temporary one
};

Json PcrsJson(const image::Pcrs& pcrs) {
  return Json{{"HashAlgorithm", "Sha384 { ... }"},
              {"PCR0", HexEncode(pcrs.pcr0)},
              {"PCR1", HexEncode(pcrs.pcr1)},
              {"PCR2", HexEncode(pcrs.pcr2)}};
}

Status RunBuild(const BuildArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(image::ImageSpec spec,
                         image::LoadSpec(args.spec, image::EpochFromEnvironment()));
  // The default vigil-init is the one installed beside this vigil.
  VIGIL_ASSIGN_OR_RETURN(std::filesystem::path default_init,
                         image::DefaultInit(spec, ExecutableDir));
  image::BuildOptions options{
      .out_dir = args.out, .default_init = default_init, .on_step = ShowProgress};
  VIGIL_ASSIGN_OR_RETURN(auto summary, image::BuildImage(spec, options));

  if (args.json) {
    Json files = Json::array();
    for (const auto& f : summary.files) {
      files.push_back({{"name", f.name}, {"size", f.size}, {"sha256", f.hex()}});
    }
    Json out{{"name", summary.name},
             {"out", summary.out_dir.string()},
             {"initramfs_uncompressed_size", summary.initramfs_uncompressed},
             {"files", files}};
    if (summary.pcrs) out["Measurements"] = PcrsJson(*summary.pcrs);
    PrintJson(out);
    return OkStatus();
  }
  std::cout << "built " << summary.name << " in " << summary.out_dir.string() << "\n";
  for (const auto& f : summary.files) {
    std::printf("  %-28s %10llu  %s\n", f.name.c_str(), static_cast<unsigned long long>(f.size),
                f.hex().c_str());
  }
  if (summary.pcrs) std::cout << image::FormatPcrs(*summary.pcrs);
  return OkStatus();
}

// A tpm output directory: its predicted PCRs and the events behind them, made again from
// the artifacts and checked against its NAME.tpm-pcrs.
Status DescribeTpmOutput(const DescribeArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(image::TpmOutput output, image::ReadTpmOutput(args.eif));
  const image::TpmPrediction& prediction = output.prediction;
  if (args.json) {
    Json events = Json::array();
    for (const image::PredictedTpmEvent& event : prediction.events) {
      events.push_back(
          {{"pcr", event.pcr}, {"digest", HexEncode(event.digest)}, {"what", event.what}});
    }
    PrintJson({{"pcrs_file", output.pcrs_file},
               {"memory_mib", output.memory_mib},
               {"kernel_authenticode", HexEncode(output.kernel_authenticode)},
               {"events", events},
               {"PCR4", HexEncode(prediction.pcr4)},
               {"PCR9", HexEncode(prediction.pcr9)}});
    return OkStatus();
  }
  std::cout << output.pcrs_file << " matches the artifacts (QEMU q35 with OVMF, -m "
            << output.memory_mib << ")\n"
            << "kernel file's Authenticode SHA-256: " << HexEncode(output.kernel_authenticode)
            << "\n";
  for (const image::PredictedTpmEvent& event : prediction.events) {
    std::cout << "  PCR" << event.pcr << " += " << HexEncode(event.digest) << "  " << event.what
              << "\n";
  }
  std::cout << HexEncode(prediction.pcr4) << " PCR4\n" << HexEncode(prediction.pcr9) << " PCR9\n";
  return OkStatus();
}

Status RunDescribe(const DescribeArgs& args) {
  std::error_code ec;
  if (std::filesystem::is_directory(args.eif, ec)) return DescribeTpmOutput(args);
  VIGIL_ASSIGN_OR_RETURN(Bytes data, ReadFile(args.eif, image::kMaxEifFileSize));
  auto info = image::ParseEif(data);
  if (!info.ok()) return info.error().WithContext(args.eif);

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
    return OkStatus();
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
  return OkStatus();
}

struct EventLogArgs {
  std::string log;
  bool json = false;
  bool platform = false;
};

// A platform's reference values (docs/SPEC-tpm.md): PCRs 0-3 and 5-7 as the log replays them.
void PrintPlatform(const attestation::TpmPcrValues& pcrs, const std::string& source) {
  std::cout << "# SHA-256 PCRs 0-3 and 5-7 of a TPM boot: the firmware, its variables and "
               "QEMU's options (docs/SPEC-tpm.md)\n# replayed from "
            << source << "\n";
  for (int pcr : {0, 1, 2, 3, 5, 6, 7}) std::cout << HexEncode(pcrs[pcr]) << " PCR" << pcr << "\n";
}

// A TPM event log (binary_bios_measurements): its events, then the PCRs it replays to.
Status RunEventLog(const EventLogArgs& args) {
  VIGIL_ASSIGN_OR_RETURN(Bytes data, ReadFile(args.log, attestation::kMaxTpmDocumentBytes));
  if (attestation::LooksLikeTpmDocument(data)) {  // the log a TPM document carries
    VIGIL_ASSIGN_OR_RETURN(attestation::TpmDocument document, attestation::DecodeTpmDocument(data));
    data = std::move(document.event_log);
  }
  auto log = attestation::ParseTpmEventLog(data);
  if (!log.ok()) return log.error().WithContext(args.log);
  const attestation::TpmPcrValues pcrs = attestation::ReplayTpmEventLog(*log);
  if (args.platform) {
    PrintPlatform(pcrs, std::filesystem::path(args.log).filename().string());
    return OkStatus();
  }
  Json events = Json::array();
  for (const attestation::TpmEvent& event : log->events) {
    const std::string digest = event.sha256 ? HexEncode(*event.sha256) : "";
    if (args.json) {
      events.push_back({{"pcr", event.pcr},
                        {"type", attestation::TpmEventTypeName(event.type)},
                        {"sha256", digest},
                        {"data", HexEncode(event.data)}});
    } else {
      std::cout << "PCR" << event.pcr << " " << attestation::TpmEventTypeName(event.type) << " "
                << digest << " (" << event.data.size() << " bytes)\n";
    }
  }
  Json replayed = Json::object();
  for (std::size_t pcr = 0; pcr < pcrs.size(); ++pcr) {
    if (args.json) {
      replayed["PCR" + std::to_string(pcr)] = HexEncode(pcrs[pcr]);
    } else {
      std::cout << HexEncode(pcrs[pcr]) << " PCR" << pcr << "\n";
    }
  }
  if (args.json) PrintJson({{"events", events}, {"pcrs", replayed}});
  return OkStatus();
}

std::atomic<bool> g_stop{false};
extern "C" void RequestStop(int) { g_stop = true; }

// --host IP:PORT: the image's PCR file (exactly one *.pcrs in DIR), vigil-host beside vigil.
Result<std::unique_ptr<image::QuorumHost>> QuorumHostFor(const RunArgs& args) {
  const auto colon = args.host.rfind(':');
  const ScannedNumber<std::uint64_t> port =
      ScanUnsigned(colon == std::string::npos ? "" : args.host.substr(colon + 1), 1, 65535);
  if (colon == std::string::npos || colon == 0 || !port.ok()) {
    return Error::BadInput("--host takes IP:PORT (for example 127.0.0.1:3000), not '" + args.host +
                           "'");
  }
  std::optional<Bytes> pcrs_text;
  if (!args.tpm) {  // a TPM enclave measures itself: no handover
    std::vector<std::filesystem::path> pcrs;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(args.dir, ec)) {
      if (entry.path().extension() == ".pcrs") pcrs.push_back(entry.path());
    }
    if (pcrs.size() != 1) {
      return Error::BadInput(args.dir +
                             " must hold exactly one .pcrs file (an image built with "
                             "the \"aws\" output): the mock NSM reports those PCRs");
    }
    VIGIL_ASSIGN_OR_RETURN(pcrs_text, ReadFile(pcrs[0], 64 * 1024));
  }
  VIGIL_ASSIGN_OR_RETURN(std::filesystem::path bin, ExecutableDir());
  char work_template[] = "/tmp/vigil-host.XXXXXX";
  if (::mkdtemp(work_template) == nullptr) return Error::Failed("cannot create a work directory");
  image::QuorumHostOptions options{.host_binary = bin / "vigil-host",
                                   .ip = args.host.substr(0, colon),
                                   .port = static_cast<int>(port.value),
                                   .boot_pcrs = std::move(pcrs_text),
                                   .work_dir = work_template,
                                   .channel = args.channel,
                                   .microvm = args.machine == "microvm"};
  return std::make_unique<image::QuorumHost>(std::move(options));
}

Result<int> RunRun(const RunArgs& args) {
  if (args.timeout <= 0) return Error::BadInput("--timeout must be positive");
  image::QemuOptions options;
  VIGIL_ASSIGN_OR_RETURN(options.accelerator, image::ChooseAccelerator(args.accel));
  options.timeout = std::chrono::seconds(args.timeout);
  options.kvm_silence_limit = std::chrono::seconds(args.kvm_silence);
  options.memory_mib = args.memory;
  options.machine = args.machine == "microvm" ? image::Machine::kMicrovm : image::Machine::kPc;
  options.interactive = args.interactive;
  std::unique_ptr<TempDir> tpm_work;
  std::unique_ptr<image::Swtpm> tpm;
  if (args.tpm) {
    if (args.machine != "pc") return Error::BadInput("--tpm boots q35; drop --machine");
    VIGIL_ASSIGN_OR_RETURN(TempDir work, TempDir::Create("/tmp", "vigil-tpm."));
    tpm_work = std::make_unique<TempDir>(std::move(work));
    const std::filesystem::path ca =
        args.tpm_ca.empty() ? tpm_work->path() / "ca" : std::filesystem::path(args.tpm_ca);
    VIGIL_ASSIGN_OR_RETURN(tpm, image::Swtpm::Start({.work_dir = tpm_work->path(), .ca_dir = ca}));
    options.tpm = tpm.get();
  } else if (!args.tpm_ca.empty()) {
    return Error::BadInput("--tpm-ca is for --tpm boots");
  }
  if (args.uefi && args.machine != "pc") return Error::BadInput("--uefi boots q35; drop --machine");
  options.uefi = args.uefi;
  std::unique_ptr<image::QuorumHost> quorum_host;
  if (!args.host.empty()) {
    VIGIL_ASSIGN_OR_RETURN(quorum_host, QuorumHostFor(args));
    options.quorum_host = quorum_host.get();
    options.stop = &g_stop;
    options.timeout = std::chrono::hours(24 * 365);  // it serves until stopped
    std::signal(SIGTERM, RequestStop);
    std::signal(SIGINT, RequestStop);
  }
  // With --json, stdout carries only the result, so the console goes to stderr.
  if (args.json) {
    options.on_console = [](std::string_view text) { std::cerr.write(text.data(), text.size()); };
  }
  Result<image::QemuResult> ran = image::RunInQemu(args.dir, options);
  if (quorum_host) {
    const std::filesystem::path work = quorum_host->socket_path().parent_path();
    quorum_host.reset();  // stops vigil-host
    std::error_code ignored;
    std::filesystem::remove_all(work, ignored);
  }
  VIGIL_ASSIGN_OR_RETURN(auto result, std::move(ran));
  if (!result.kvm_unusable.empty()) {
    // Exit 3 like any missing device; --json tells it apart from a target that exits 3.
    if (args.json) PrintJson({{"error", "kvm-unusable"}, {"reason", result.kvm_unusable}});
    return Error::MissingEnv("KVM cannot run this image (" + result.kvm_unusable +
                             "); use --accel auto or tcg to emulate instead");
  }
  if (result.stopped) {
    std::cerr << "vigil: stopped on request\n";
    return 0;
  }
  const bool kvm = result.accelerator == image::Accelerator::kKvm;
  if (args.json) {
    Json out{{"target_exit_status", result.target_exit_status},
             {"accelerator", image::AcceleratorName(result.accelerator)},
             {"boot_seconds", result.boot_seconds}};
    if (result.fell_back) out["fallback_reason"] = result.tcg_reason;
    PrintJson(out);
    return result.target_exit_status;
  }
  std::cerr << "vigil: target exited with status " << result.target_exit_status
            << (kvm ? " (KVM)" : " (TCG: " + result.tcg_reason + ")") << "\n";
  return result.target_exit_status;
}

}  // namespace

void AddImageCommands(CLI::App& app, int* exit_code) {
  CLI::App* image = app.add_subcommand("image", "Build, inspect and boot images");
  image->require_subcommand(1);

  auto [b, build] = AddCommand<BuildArgs>(*image, "build",
                                          "Build an image from a spec into a new output directory",
                                          exit_code, RunBuild);
  b->add_option("SPEC", build->spec, "The image spec (TOML)")->required();
  b->add_option("--out", build->out, "Output directory (must not exist)")->required();
  b->add_flag("--json", build->json, "Print the summary as JSON");

  auto [d, describe] = AddCommand<DescribeArgs>(
      *image, "describe",
      "Check an EIF (magic, version, bounds, CRC) and print its sections and PCRs; or check "
      "a tpm output directory's PCR file against its artifacts and print its PCRs",
      exit_code, RunDescribe);
  d->add_option("EIF", describe->eif, "The .eif file, or a tpm output directory")->required();
  d->add_flag("--json", describe->json, "Print as JSON (keys as nitro-cli describe-eif)");

  auto [l, event_log] = AddCommand<EventLogArgs>(
      *image, "event-log",
      "Read a TPM 2.0 event log (the kernel's binary_bios_measurements) strictly; print its "
      "events and the SHA-256 PCRs it replays to",
      exit_code, RunEventLog);
  l->add_option("LOG", event_log->log, "The event log file, or a TPM document carrying one")
      ->required();
  CLI::Option* json_flag = l->add_flag("--json", event_log->json, "Print as JSON");
  l->add_flag("--platform", event_log->platform,
              "Print only PCRs 0-3 and 5-7, as a platform's reference values "
              "(verify-attestation --tpm-platform)")
      ->excludes(json_flag);

  auto [r, run] = AddCommand<RunArgs>(
      *image, "run", "Boot a generic image in QEMU; exit with the target's exit status", exit_code,
      RunRun);
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
  r->add_option("--machine", run->machine,
                "pc (QEMU's default PC) or microvm (no PCI, virtio-mmio: like a Nitro enclave)")
      ->check(CLI::IsMember({"pc", "microvm"}));
  r->add_option("--memory", run->memory,
                "Guest memory in MiB (default: the spec's memory_mib, else 256)")
      ->check(CLI::Range(image::kMinMemoryMib, image::kMaxMemoryMib));
  r->add_option("--host", run->host,
                "IP:PORT: a quorum image's channel behind vigil-host there (its boot PCRs are "
                "handed to the mock NSM first); runs until SIGTERM or SIGINT");
  r->add_option("--channel", run->channel, "The quorum channel's port name")->capture_default_str();
  r->add_flag("--tpm", run->tpm,
              "Boot as a vTPM VM: through UEFI firmware (OVMF, q35) with a fresh software TPM "
              "(swtpm) whose endorsement key a test CA certifies; needs the tpm output");
  r->add_flag("--uefi", run->uefi,
              "Boot through UEFI firmware (OVMF, q35) without a TPM: the --tpm boot's baseline");
  r->add_option("--tpm-ca", run->tpm_ca,
                "With --tpm: keep the test CA in this directory (created on first use), so "
                "verifiers can pin its root, swtpm-localca-rootca-cert.pem");
  r->add_flag("--interactive", run->interactive,
              "Connect standard input to the serial console (for debug images' shell)");
  r->add_flag("--json", run->json,
              "Print the result as JSON on stdout (the console goes to stderr); a target's "
              "status is then told apart from vigil's own exit codes");
}

}  // namespace vigil::cli
