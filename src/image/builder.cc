#include "image/builder.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <system_error>

#include "base/file.h"
#include "base/hex.h"
#include "base/signal_block.h"
#include "crypto/hash.h"
#include "encoding/sha256sums.h"
#include "image/compress.h"
#include "image/initramfs.h"
#include "image/inputs.h"
#include "image/tpm_pcrs.h"

namespace vigil::image {
namespace {

// The kernel release string a bzImage carries (setup header field kernel_version), or ""
// when the kernel is not a bzImage. Only used as EIF metadata.
std::string KernelRelease(ByteView kernel) {
  constexpr std::size_t kHeaderMagicOffset = 0x202;
  constexpr std::size_t kVersionPointerOffset = 0x20e;
  if (kernel.size() < 0x210 || AsText(kernel.subspan(kHeaderMagicOffset, 4)) != "HdrS") return "";
  std::size_t pointer = kernel[kVersionPointerOffset] | (kernel[kVersionPointerOffset + 1] << 8);
  std::size_t start = pointer + 0x200;
  std::string release;
  for (std::size_t i = start; i < kernel.size() && i < start + 128; ++i) {
    char c = static_cast<char>(kernel[i]);
    if (c == '\0' || c == ' ') break;
    if (c < 0x21 || c > 0x7e) return "";
    release.push_back(c);
  }
  return release;
}

bool Wants(const ImageSpec& spec, Output output) {
  return std::find(spec.outputs.begin(), spec.outputs.end(), output) != spec.outputs.end();
}

// Writes the output files into the staging directory and records each one's hash.
class OutputWriter {
 public:
  explicit OutputWriter(std::filesystem::path dir) : dir_(std::move(dir)) {}

  Status Write(const std::string& name, std::span<const ByteView> pieces,
               std::optional<std::string> known_sha256 = std::nullopt) {
    VIGIL_RETURN_IF_ERROR(WriteFileAtomic(dir_ / name, pieces, 0644));
    std::uint64_t size = 0;
    for (ByteView piece : pieces) size += piece.size();
    BuiltFile& file = files_.emplace_back();
    file.name = name;
    file.size = size;
    if (known_sha256) {
      VIGIL_ASSIGN_OR_RETURN(file.sha256, crypto::ParseSha256Hex(*known_sha256));
    } else {
      crypto::Hasher hasher(crypto::HashAlgorithm::kSha256);
      for (ByteView piece : pieces) hasher.Update(piece);
      const Bytes digest = hasher.Finish();
      std::copy(digest.begin(), digest.end(), file.sha256.begin());
    }
    return OkStatus();
  }
  Status Write(const std::string& name, ByteView data,
               std::optional<std::string> known_sha256 = std::nullopt) {
    return Write(name, std::span<const ByteView>(&data, 1), std::move(known_sha256));
  }

  // Writes SHA256SUMS (sha256sum's text format, sorted by name, so `sha256sum -c` checks
  // the directory) and returns every file written, sorted.
  Result<std::vector<BuiltFile>> Finish() {
    auto by_name = [](const BuiltFile& a, const BuiltFile& b) { return a.name < b.name; };
    std::sort(files_.begin(), files_.end(), by_name);
    std::vector<encoding::SumEntry> entries;
    for (const auto& f : files_) entries.push_back(f);
    VIGIL_RETURN_IF_ERROR(Write(kSumsFile, AsBytes(encoding::FormatSums(entries))));
    // SHA256SUMS sorts before every lowercase name; keep the list in order anyway.
    std::sort(files_.begin(), files_.end(), by_name);
    return files_;
  }

 private:
  std::filesystem::path dir_;
  std::vector<BuiltFile> files_;
};

}  // namespace

std::string ResolvedSpecFile(const std::string& image_name) {
  return image_name + ".resolved.toml";
}
std::string EifFile(const std::string& image_name) { return image_name + ".eif"; }

Result<std::optional<fs::path>> FindRecordedSpec(const fs::path& dist) {
  constexpr std::string_view kSuffix = ".resolved.toml";
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dist, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > kSuffix.size() && name.ends_with(kSuffix)) found.push_back(entry.path());
  }
  if (ec) return Error::BadInput("cannot read " + dist.string() + ": " + ec.message());
  if (found.size() > 1) {
    return Error::BadInput(dist.string() + " holds " + std::to_string(found.size()) +
                           " recorded specs (*.resolved.toml); an image directory has exactly one");
  }
  if (found.empty()) return std::optional<fs::path>();
  return std::optional<fs::path>(found.front());
}
std::string PcrsFile(const std::string& image_name) { return image_name + ".pcrs"; }
std::string TpmPcrsFile(const std::string& image_name) { return image_name + ".tpm-pcrs"; }

std::string FormatPcrs(const Pcrs& pcrs) {
  return HexEncode(pcrs.pcr0) + " PCR0\n" + HexEncode(pcrs.pcr1) + " PCR1\n" +
         HexEncode(pcrs.pcr2) + " PCR2\n";
}

namespace {

// Compresses on another thread (falling back to this one when no thread can be started);
// `cancel` stops it early when the build fails meanwhile.
class BackgroundCompression {
 public:
  BackgroundCompression(const Bytes& data, Compression compression) {
    auto work = [this, &data, compression]() -> Result<Bytes> {
      try {
        return Compress(data, compression, &cancel_);
      } catch (const std::exception& e) {
        return Error::Failed(std::string("compression failed: ") + e.what());
      }
    };
    try {
      future_ = std::async(std::launch::async, work);
    } catch (const std::system_error&) {
      future_ = std::async(std::launch::deferred, work);
    }
  }
  BackgroundCompression(const BackgroundCompression&) = delete;
  BackgroundCompression& operator=(const BackgroundCompression&) = delete;
  // Cancels and waits: the thread must not outlive the data it reads.
  ~BackgroundCompression() {
    cancel_ = true;
    if (future_.valid()) future_.wait();
  }

  Result<Bytes> Get() { return future_.get(); }

 private:
  std::atomic<bool> cancel_{false};
  std::future<Result<Bytes>> future_;
};

// The tpm output's PCR file: its PCRs follow from the kernel, the compressed initramfs, the
// command line and the memory `vigil image run --tpm` gives the guest. A kernel without the
// EFI stub is refused here, before anything is written.
Result<std::string> TpmPcrsText(const ImageSpec& spec, ByteView kernel, ByteView initramfs) {
  const int memory_mib = spec.memory_mib.value_or(kDefaultMemoryMib);
  VIGIL_ASSIGN_OR_RETURN(TpmPrediction prediction, PredictTpmPcrs({.kernel = kernel,
                                                                   .initrd = initramfs,
                                                                   .cmdline = spec.cmdline,
                                                                   .memory_mib = memory_mib}));
  return FormatTpmPcrs(prediction, memory_mib);
}

// "out/" names the directory "out": drop trailing separators and "." components.
std::filesystem::path CleanOutPath(const std::filesystem::path& out) {
  std::filesystem::path clean = out.lexically_normal();
  if (!clean.empty() && clean.filename().empty()) clean = clean.parent_path();
  return clean;
}

// The directory `out` will be created in; BadInput unless `out` is new and it exists.
Result<std::filesystem::path> NewOutParent(const std::filesystem::path& out) {
  std::error_code ec;
  if (out.empty() || out == "." || out == "..") {
    return Error::BadInput("--out must name a new directory");
  }
  if (std::filesystem::symlink_status(out, ec).type() != std::filesystem::file_type::not_found) {
    return Error::BadInput(out.string() + " already exists; remove it or choose another --out");
  }
  std::filesystem::path parent = out.parent_path().empty() ? "." : out.parent_path();
  if (!std::filesystem::is_directory(parent, ec)) {
    return Error::BadInput("the parent of " + out.string() +
                           " is not a directory; create it first");
  }
  return parent;
}

}  // namespace

Result<BuildSummary> BuildImage(const ImageSpec& spec, const BuildOptions& options) {
  auto step = [&options](const std::string& text) {
    if (options.on_step) options.on_step(text);
  };
  const std::filesystem::path out = CleanOutPath(options.out_dir);
  VIGIL_ASSIGN_OR_RETURN(const std::filesystem::path parent, NewOutParent(out));

  step("reading and checking the initramfs inputs");
  ImageSpec resolved = spec;
  Bytes cpio;
  {
    // The archive views the payload; the payload is freed as soon as the archive exists.
    VIGIL_ASSIGN_OR_RETURN(LoadedInputs payload, LoadPayload(resolved, options.default_init));
    VIGIL_ASSIGN_OR_RETURN(cpio, BuildInitramfs(resolved, payload));
  }
  BuildSummary summary{.name = spec.name, .out_dir = out, .initramfs_uncompressed = cpio.size()};

  // Compression dominates the build: it runs on its own threads while this one checks the
  // kernel and hashes its part of the PCRs.
  step("compressing the initramfs (" + CompressionName(spec.compression) +
       ") while checking the kernel");
  Bytes kernel;
  Bytes initramfs;
  std::optional<PcrPrefix> pcr_prefix;
  {
    BackgroundCompression compressing(cpio, spec.compression);
    VIGIL_ASSIGN_OR_RETURN(kernel, LoadKernel(resolved));
    if (Wants(spec, Output::kAws)) pcr_prefix = StartPcrs(kernel, spec.cmdline);
    VIGIL_ASSIGN_OR_RETURN(initramfs, compressing.Get());
  }
  std::string tpm_pcrs;
  if (Wants(spec, Output::kTpm)) {
    VIGIL_ASSIGN_OR_RETURN(tpm_pcrs, TpmPcrsText(spec, kernel, initramfs));
  }

  // Every input has been read and checked, everything computed in memory; only now is
  // anything written, into a temporary sibling of `out` that is renamed into place when
  // complete. SIGINT/SIGTERM/SIGHUP wait until the directory is published or removed.
  step("writing and publishing " + out.string());
  ScopedSignalBlock no_interrupts;
  VIGIL_ASSIGN_OR_RETURN(TempDir staging,
                         TempDir::Create(parent, "." + out.filename().string() + ".partial-"));
  if (::chmod(staging.path().c_str(), 0755) != 0) {
    return Error::Failed("cannot set the mode of " + staging.path().string());
  }
  OutputWriter writer(staging.path());
  std::string resolved_toml = ResolvedSpecToml(resolved);
  VIGIL_RETURN_IF_ERROR(writer.Write(ResolvedSpecFile(spec.name), AsBytes(resolved_toml)));
  if (Wants(spec, Output::kGeneric) || Wants(spec, Output::kTpm)) {
    VIGIL_RETURN_IF_ERROR(writer.Write(kKernelFile, kernel, resolved.kernel.sha256));
    VIGIL_RETURN_IF_ERROR(writer.Write(kCmdlineFile, AsBytes(spec.cmdline + "\n")));
    VIGIL_RETURN_IF_ERROR(
        writer.Write(kInitramfsBase + CompressionSuffix(spec.compression), initramfs));
  }
  if (Wants(spec, Output::kAws)) {
    EifInput eif{.kernel = kernel,
                 .cmdline = spec.cmdline,
                 .ramdisks = {initramfs},
                 .image_name = spec.name,
                 .image_version = spec.version,
                 .build_time = spec.source_date_epoch,
                 .kernel_version = KernelRelease(kernel)};
    VIGIL_RETURN_IF_ERROR(CheckEifInput(eif));
    summary.pcrs = FinishPcrs(*pcr_prefix, eif.ramdisks);
    EifLayout layout = LayoutEif(eif);
    VIGIL_RETURN_IF_ERROR(writer.Write(EifFile(spec.name), layout.pieces));
    VIGIL_RETURN_IF_ERROR(writer.Write(PcrsFile(spec.name), AsBytes(FormatPcrs(*summary.pcrs))));
  }
  if (Wants(spec, Output::kTpm)) {
    VIGIL_RETURN_IF_ERROR(writer.Write(TpmPcrsFile(spec.name), AsBytes(tpm_pcrs)));
  }
  VIGIL_ASSIGN_OR_RETURN(summary.files, writer.Finish());
  VIGIL_RETURN_IF_ERROR(PublishDirectory(staging.path(), out));
  staging.Release();
  return summary;
}

}  // namespace vigil::image
