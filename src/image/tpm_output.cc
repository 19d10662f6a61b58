#include "image/tpm_output.h"

#include <algorithm>
#include <vector>

#include "base/file.h"
#include "base/hex.h"
#include "encoding/sha256sums.h"
#include "image/authenticode.h"
#include "image/builder.h"
#include "image/spec.h"

namespace vigil::image {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxBootFileBytes = 2ull << 30;

Result<Bytes> ReadListed(const fs::path& dir, const std::string& name, const encoding::Sums& sums) {
  VIGIL_ASSIGN_OR_RETURN(Bytes data, ReadFile(dir / name, kMaxBootFileBytes, false));
  VIGIL_RETURN_IF_ERROR(encoding::CheckListed(sums, dir, name, crypto::Sha256(data)));
  return data;
}

}  // namespace

Result<TpmOutput> ReadTpmOutput(const fs::path& dir) {
  VIGIL_ASSIGN_OR_RETURN(std::optional<fs::path> recorded, FindRecordedSpec(dir));
  if (!recorded) {
    return Error::BadInput(dir.string() + " holds no image output (no NAME.resolved.toml)");
  }
  VIGIL_ASSIGN_OR_RETURN(encoding::Sums sums, encoding::ReadSums(dir));
  VIGIL_ASSIGN_OR_RETURN(Bytes spec_text, ReadListed(dir, recorded->filename().string(), sums));
  VIGIL_ASSIGN_OR_RETURN(ImageSpec spec,
                         ParseSpec(AsText(spec_text), dir, recorded->string(), std::nullopt));
  if (std::find(spec.outputs.begin(), spec.outputs.end(), Output::kTpm) == spec.outputs.end()) {
    return Error::BadInput(dir.string() + " was not built with the \"tpm\" output");
  }
  TpmOutput output{.pcrs_file = TpmPcrsFile(spec.name),
                   .memory_mib = spec.memory_mib.value_or(kDefaultMemoryMib)};
  VIGIL_ASSIGN_OR_RETURN(Bytes kernel, ReadListed(dir, kKernelFile, sums));
  const std::string initramfs = kInitramfsBase + CompressionSuffix(spec.compression);
  VIGIL_ASSIGN_OR_RETURN(Bytes initrd, ReadListed(dir, initramfs, sums));
  VIGIL_ASSIGN_OR_RETURN(Bytes cmdline, ReadListed(dir, kCmdlineFile, sums));
  VIGIL_ASSIGN_OR_RETURN(Bytes written, ReadListed(dir, output.pcrs_file, sums));
  std::string line(AsText(cmdline));
  if (!line.empty() && line.back() == '\n') line.pop_back();
  VIGIL_ASSIGN_OR_RETURN(output.kernel_authenticode, AuthenticodeSha256(kernel));
  VIGIL_ASSIGN_OR_RETURN(
      output.prediction,
      PredictTpmPcrs(
          {.kernel = kernel, .initrd = initrd, .cmdline = line, .memory_mib = output.memory_mib}));
  // The file must say what the artifacts give, PCR by PCR.
  const std::string text(AsText(written));
  for (const auto& [pcr, value] :
       {std::pair{4, output.prediction.pcr4}, std::pair{9, output.prediction.pcr9}}) {
    const std::string expected = HexEncode(value) + " PCR" + std::to_string(pcr) + "\n";
    if (text.find(expected) == std::string::npos) {
      return Error::Failed(output.pcrs_file + ": PCR" + std::to_string(pcr) +
                           " is not what the kernel, initramfs and command line give (" +
                           HexEncode(value) + ")");
    }
  }
  if (text != FormatTpmPcrs(output.prediction, output.memory_mib)) {
    return Error::Failed(output.pcrs_file +
                         " is not the file the build writes for these artifacts");
  }
  return output;
}

}  // namespace vigil::image
