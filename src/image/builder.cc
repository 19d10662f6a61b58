#include "image/builder.h"

#include <sys/stat.h>

#include <algorithm>
#include <future>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/hash.h"
#include "image/compress.h"
#include "image/initramfs.h"
#include "image/inputs.h"

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
    if (!known_sha256) {
      crypto::Hasher hasher(crypto::HashAlgorithm::kSha256);
      for (ByteView piece : pieces) hasher.Update(piece);
      known_sha256 = HexEncode(hasher.Finish());
    }
    files_.push_back({name, size, *known_sha256});
    return OkStatus();
  }
  Status Write(const std::string& name, ByteView data,
               std::optional<std::string> known_sha256 = std::nullopt) {
    return Write(name, std::span<const ByteView>(&data, 1), std::move(known_sha256));
  }

  // Writes SHA256SUMS (sha256sum's text format, sorted by name, so `sha256sum -c` checks
  // the directory) and returns every file written, sorted.
  Result<std::vector<BuiltFile>> Finish() {
    std::sort(files_.begin(), files_.end(),
              [](const BuiltFile& a, const BuiltFile& b) { return a.name < b.name; });
    std::string sums;
    for (const auto& f : files_) sums += f.sha256 + "  " + f.name + "\n";
    VIGIL_RETURN_IF_ERROR(Write(kSumsFile, AsBytes(sums)));
    std::sort(files_.begin(), files_.end(),
              [](const BuiltFile& a, const BuiltFile& b) { return a.name < b.name; });
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
std::string PcrsFile(const std::string& image_name) { return image_name + ".pcrs"; }

std::string FormatPcrs(const Pcrs& pcrs) {
  return HexEncode(pcrs.pcr0) + " PCR0\n" + HexEncode(pcrs.pcr1) + " PCR1\n" +
         HexEncode(pcrs.pcr2) + " PCR2\n";
}

Result<BuildSummary> BuildImage(const ImageSpec& spec, const BuildOptions& options) {
  auto step = [&options](const std::string& text) {
    if (options.on_step) options.on_step(text);
  };
  const std::filesystem::path& out = options.out_dir;
  std::error_code ec;
  if (std::filesystem::symlink_status(out, ec).type() != std::filesystem::file_type::not_found) {
    return Error::BadInput(out.string() + " already exists; remove it or choose another --out");
  }
  std::filesystem::path parent = out.parent_path().empty() ? "." : out.parent_path();
  if (!std::filesystem::is_directory(parent, ec)) {
    return Error::BadInput("the parent of " + out.string() + " is not a directory; create it first");
  }

  step("reading and checking the initramfs inputs");
  ImageSpec resolved = spec;
  VIGIL_ASSIGN_OR_RETURN(LoadedInputs payload, LoadPayload(resolved, options.default_init));
  VIGIL_ASSIGN_OR_RETURN(Bytes cpio, BuildInitramfs(resolved, payload));
  BuildSummary summary{.name = spec.name, .out_dir = out, .initramfs_uncompressed = cpio.size()};

  // Compression dominates the build: it runs on its own threads while this one checks the
  // kernel, hashes its part of the PCRs and writes the files that do not depend on it.
  step("compressing the initramfs (" + CompressionName(spec.compression) +
       ") while checking the kernel");
  std::future<Result<Bytes>> compressing = std::async(
      std::launch::async, [&cpio, &spec] { return Compress(cpio, spec.compression); });
  VIGIL_ASSIGN_OR_RETURN(Bytes kernel, LoadKernel(resolved));
  std::optional<PcrPrefix> pcr_prefix;
  if (Wants(spec, Output::kAws)) pcr_prefix = StartPcrs(kernel, spec.cmdline);

  // Every input has now been read and checked; only now is anything written. Everything
  // goes into a temporary sibling of `out`, renamed into place when complete; on any error
  // the TempDir removes itself.
  VIGIL_ASSIGN_OR_RETURN(TempDir staging,
                         TempDir::Create(parent, "." + out.filename().string() + ".partial-"));
  if (::chmod(staging.path().c_str(), 0755) != 0) {
    return Error::Failed("cannot set the mode of " + staging.path().string());
  }
  OutputWriter writer(staging.path());
  std::string resolved_toml = ResolvedSpecToml(resolved);
  VIGIL_RETURN_IF_ERROR(writer.Write(ResolvedSpecFile(spec.name), AsBytes(resolved_toml)));
  if (Wants(spec, Output::kGeneric)) {
    VIGIL_RETURN_IF_ERROR(writer.Write(kKernelFile, kernel, resolved.kernel.sha256));
    VIGIL_RETURN_IF_ERROR(writer.Write(kCmdlineFile, AsBytes(spec.cmdline + "\n")));
  }

  VIGIL_ASSIGN_OR_RETURN(Bytes initramfs, compressing.get());
  if (Wants(spec, Output::kGeneric)) {
    VIGIL_RETURN_IF_ERROR(
        writer.Write(kInitramfsBase + CompressionSuffix(spec.compression), initramfs));
  }
  if (Wants(spec, Output::kAws)) {
    step("writing the EIF and its PCRs");
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

  step("writing SHA256SUMS and publishing " + out.string());
  VIGIL_ASSIGN_OR_RETURN(summary.files, writer.Finish());
  VIGIL_RETURN_IF_ERROR(PublishDirectory(staging.path(), out));
  staging.Release();
  return summary;
}

}  // namespace vigil::image
