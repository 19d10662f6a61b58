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

void Step(const BuildOptions& options, const std::string& step) {
  if (options.on_step) options.on_step(step);
}

struct OutputFile {
  std::string name;
  Bytes data;
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
  const std::filesystem::path& out = options.out_dir;
  std::error_code ec;
  if (std::filesystem::symlink_status(out, ec).type() != std::filesystem::file_type::not_found) {
    return Error::BadInput(out.string() + " already exists; remove it or choose another --out");
  }
  std::filesystem::path parent = out.parent_path().empty() ? "." : out.parent_path();
  if (!std::filesystem::is_directory(parent, ec)) {
    return Error::BadInput("the parent of " + out.string() + " is not a directory; create it first");
  }

  // Every input is read and checked before anything is written.
  Step(options, "reading and checking inputs");
  ImageSpec resolved;
  VIGIL_ASSIGN_OR_RETURN(LoadedInputs inputs, LoadInputs(spec, options.default_init, resolved));

  Step(options, "writing the initramfs");
  VIGIL_ASSIGN_OR_RETURN(Bytes cpio, BuildInitramfs(resolved, inputs));
  BuildSummary summary;
  summary.name = spec.name;
  summary.out_dir = out;
  summary.initramfs_uncompressed = cpio.size();

  bool want_aws = std::find(spec.outputs.begin(), spec.outputs.end(), Output::kAws) !=
                  spec.outputs.end();
  bool want_generic = std::find(spec.outputs.begin(), spec.outputs.end(), Output::kGeneric) !=
                      spec.outputs.end();

  // Compression dominates the build; the kernel's part of the PCRs is hashed meanwhile on
  // the second core.
  Step(options, "compressing (" + std::string(spec.compression == Compression::kGzip ? "gzip"
                                              : spec.compression == Compression::kZstd
                                                  ? "zstd"
                                                  : "none") +
                    ")");
  std::future<Result<Bytes>> compressed_future = std::async(
      std::launch::async, [&cpio, &spec] { return Compress(cpio, spec.compression); });
  std::string kernel_release = KernelRelease(inputs.kernel);
  Result<Bytes> compressed = compressed_future.get();
  if (!compressed.ok()) return compressed.error();
  Bytes initramfs = std::move(compressed).value();

  std::vector<OutputFile> files;
  std::string initramfs_name = kInitramfsBase + CompressionSuffix(spec.compression);
  if (want_aws) {
    Step(options, "writing the EIF and computing PCRs");
    EifInput eif{.kernel = inputs.kernel,
                 .cmdline = spec.cmdline,
                 .ramdisks = {initramfs},
                 .image_name = spec.name,
                 .image_version = spec.version,
                 .build_time = spec.source_date_epoch,
                 .kernel_version = kernel_release};
    summary.pcrs = ComputePcrs(eif.kernel, eif.cmdline, eif.ramdisks);
    files.push_back({EifFile(spec.name), WriteEif(eif)});
    std::string pcrs = FormatPcrs(*summary.pcrs);
    files.push_back({PcrsFile(spec.name), Bytes(pcrs.begin(), pcrs.end())});
  }
  if (want_generic) {
    files.push_back({kKernelFile, std::move(inputs.kernel)});
    std::string cmdline = spec.cmdline + "\n";
    files.push_back({kCmdlineFile, Bytes(cmdline.begin(), cmdline.end())});
    files.push_back({initramfs_name, std::move(initramfs)});
  }
  std::string resolved_toml = ResolvedSpecToml(resolved);
  files.push_back({ResolvedSpecFile(spec.name), Bytes(resolved_toml.begin(), resolved_toml.end())});
  std::sort(files.begin(), files.end(),
            [](const OutputFile& a, const OutputFile& b) { return a.name < b.name; });

  Step(options, "hashing outputs");
  std::string sums;
  for (const auto& f : files) {
    std::string hex = HexEncode(crypto::Sha256(f.data));
    // sha256sum's text format, so `sha256sum -c SHA256SUMS` checks the directory.
    sums += hex + "  " + f.name + "\n";
    summary.files.push_back({f.name, f.data.size(), hex});
  }
  files.push_back({kSumsFile, Bytes(sums.begin(), sums.end())});
  summary.files.push_back({kSumsFile, sums.size(), HexEncode(crypto::Sha256(AsBytes(sums)))});
  std::sort(summary.files.begin(), summary.files.end(),
            [](const BuiltFile& a, const BuiltFile& b) { return a.name < b.name; });

  // Everything goes into a temporary sibling of `out`, which is renamed into place only
  // when complete; on any error the TempDir removes itself.
  Step(options, "writing " + out.string());
  VIGIL_ASSIGN_OR_RETURN(TempDir staging,
                         TempDir::Create(parent, "." + out.filename().string() + ".partial-"));
  if (::chmod(staging.path().c_str(), 0755) != 0) {
    return Error::Failed("cannot set the mode of " + staging.path().string());
  }
  for (const auto& f : files) {
    VIGIL_RETURN_IF_ERROR(WriteFileAtomic(staging.path() / f.name, f.data, 0644));
  }
  VIGIL_RETURN_IF_ERROR(PublishDirectory(staging.path(), out));
  staging.Release();
  return summary;
}

}  // namespace vigil::image
