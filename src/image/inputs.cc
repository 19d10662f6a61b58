#include "image/inputs.h"

#include <filesystem>

#include "base/file.h"
#include "base/hex.h"
#include "crypto/hash.h"

namespace vigil::image {
namespace {

constexpr std::uint64_t kMaxKernel = 128ull << 20;
constexpr std::uint64_t kMaxFile = 512ull << 20;
constexpr std::uint64_t kMaxPayload = 1ull << 30;

// Reads one input, refusing symlinks so a checked file cannot be swapped for another.
Result<Bytes> LoadOne(PinnedInput& input, const std::string& what, std::uint64_t max_size) {
  auto data = ReadFile(input.resolved, max_size, /*allow_symlink=*/false);
  if (!data.ok()) return data.error().WithContext(what);
  std::string actual = HexEncode(crypto::Sha256(*data));
  if (input.sha256 && *input.sha256 != actual) {
    return Error::BadInput(what + ": " + input.resolved.string() + " has SHA-256 " + actual +
                           " but the spec pins " + *input.sha256 +
                           "; check the file, or update the pin if the change is intended");
  }
  input.sha256 = actual;
  return data;
}

}  // namespace

Result<Bytes> LoadKernel(ImageSpec& spec) { return LoadOne(spec.kernel, "kernel", kMaxKernel); }

Result<LoadedInputs> LoadPayload(ImageSpec& resolved, const std::filesystem::path& default_init) {
  LoadedInputs inputs;
  // Each read is bounded by what is left of the budget, so an oversize spec fails at the
  // first file past it instead of after reading everything.
  std::uint64_t left = kMaxPayload;
  auto load = [&left](PinnedInput& input, const std::string& what) -> Result<Bytes> {
    // The limit is the smaller of 512 MiB per input and what is left of the 1 GiB all
    // initramfs inputs may add up to; a file past the second is told about the total.
    // (ReadFile checks the size again on the file it opens.)
    std::error_code ec;
    const bool regular = std::filesystem::is_regular_file(
        std::filesystem::symlink_status(input.resolved, ec));  // symlinks: LoadOne refuses
    const std::uintmax_t size = regular ? std::filesystem::file_size(input.resolved, ec) : 0;
    if (regular && !ec && size > left && size <= kMaxFile) {
      return Error::BadInput(what + ": " + input.resolved.string() + " is " + std::to_string(size) +
                             " bytes, more than the " + std::to_string(left) + " left of the " +
                             std::to_string(kMaxPayload) +
                             " bytes (1 GiB) all initramfs inputs may add up to; make the "
                             "inputs smaller or place fewer of them");
    }
    auto data = LoadOne(input, what, std::min(kMaxFile, left));
    if (!data.ok()) return data.error();
    left -= data->size();
    return data;
  };

  PinnedInput init_input;
  if (resolved.init && !resolved.init->path.empty()) {
    init_input = *resolved.init;
  } else {
    init_input.resolved = default_init;
    if (resolved.init) init_input.sha256 = resolved.init->sha256;
  }
  VIGIL_ASSIGN_OR_RETURN(inputs.init, load(init_input, "init (vigil-init)"));
  // The default init's location depends on the installation, so only its hash is kept.
  if (!resolved.init) resolved.init = PinnedInput{};
  resolved.init->sha256 = init_input.sha256;

  VIGIL_ASSIGN_OR_RETURN(inputs.target, load(resolved.target, "target"));
  for (auto& file : resolved.files) {
    VIGIL_ASSIGN_OR_RETURN(Bytes data, load(file.source, "file for " + file.destination));
    inputs.files.push_back(std::move(data));
  }
  if (resolved.busybox) {
    VIGIL_ASSIGN_OR_RETURN(inputs.busybox, load(*resolved.busybox, "busybox"));
  }
  if (resolved.quorum) {
    VIGIL_ASSIGN_OR_RETURN(inputs.enclave, load(resolved.quorum->enclave, "quorum enclave"));
  }
  return inputs;
}

}  // namespace vigil::image
