#include "image/inputs.h"

#include "base/file.h"
#include "base/hex.h"
#include "crypto/hash.h"

namespace vigil::image {
namespace {

constexpr std::uint64_t kMaxKernel = 128ull << 20;
constexpr std::uint64_t kMaxFile = 512ull << 20;

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

  PinnedInput init_input;
  if (resolved.init && !resolved.init->path.empty()) {
    init_input = *resolved.init;
  } else {
    init_input.resolved = default_init;
    if (resolved.init) init_input.sha256 = resolved.init->sha256;
  }
  VIGIL_ASSIGN_OR_RETURN(inputs.init, LoadOne(init_input, "init (vigil-init)", kMaxFile));
  // The default init's location depends on the installation, so only its hash is kept.
  if (!resolved.init) resolved.init = PinnedInput{};
  resolved.init->sha256 = init_input.sha256;

  VIGIL_ASSIGN_OR_RETURN(inputs.target, LoadOne(resolved.target, "target", kMaxFile));
  std::uint64_t total = inputs.init.size() + inputs.target.size();
  for (auto& file : resolved.files) {
    VIGIL_ASSIGN_OR_RETURN(Bytes data,
                           LoadOne(file.source, "file for " + file.destination, kMaxFile));
    total += data.size();
    inputs.files.push_back(std::move(data));
  }
  if (resolved.busybox) {
    VIGIL_ASSIGN_OR_RETURN(inputs.busybox, LoadOne(*resolved.busybox, "busybox", kMaxFile));
  }
  if (total > (1ull << 30)) {
    return Error::BadInput("the initramfs inputs add up to more than 1 GiB; an image must stay small");
  }
  return inputs;
}

}  // namespace vigil::image
