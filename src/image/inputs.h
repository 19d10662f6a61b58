// Reads every input a spec names and checks it against its pinned SHA-256.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "image/spec.h"

namespace vigil::image {

struct LoadedInputs {
  Bytes kernel;
  Bytes init;
  Bytes target;
  std::vector<Bytes> files;  // in spec order
  std::optional<Bytes> busybox;
};

// Reads the inputs of `spec` (symlinks refused, sizes bounded) and checks each pinned
// SHA-256; `resolved` receives the spec with every hash filled in. `default_init` is used
// when the spec has no [init] path. Errors name the input and what to do.
Result<LoadedInputs> LoadInputs(const ImageSpec& spec, const std::filesystem::path& default_init,
                                ImageSpec& resolved);

}  // namespace vigil::image
