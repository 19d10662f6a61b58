// Reads every input a spec names and checks it against its pinned SHA-256.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "image/spec.h"

namespace vigil::image {

// What goes into the initramfs.
struct LoadedInputs {
  Bytes init;
  Bytes target;
  std::vector<Bytes> files;  // in spec order
  std::optional<Bytes> busybox;
  std::optional<Bytes> enclave;  // [quorum]
};

// Reads the initramfs inputs of `spec` (symlinks refused, sizes bounded) and checks each
// pinned SHA-256, filling in the hashes of `spec` that were not pinned. `default_init` is
// used when the spec has no [init] path. Errors name the input and what to do.
Result<LoadedInputs> LoadPayload(ImageSpec& spec, const std::filesystem::path& default_init);

// Reads the kernel and checks it against its pinned SHA-256.
Result<Bytes> LoadKernel(ImageSpec& spec);

}  // namespace vigil::image
