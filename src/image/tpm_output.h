// Reading back a tpm output directory: its kernel, initramfs, command line and recorded
// memory (each checked against SHA256SUMS), the PCR prediction made again from them, and
// the NAME.tpm-pcrs file the build wrote, which must agree. Spec: docs/SPEC-tpm.md.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.h"
#include "crypto/hash.h"
#include "image/tpm_pcrs.h"

namespace vigil::image {

struct TpmOutput {
  std::string pcrs_file;  // the NAME.tpm-pcrs file's name
  int memory_mib = 0;
  crypto::Sha256Digest kernel_authenticode{};  // of the vmlinuz file itself
  TpmPrediction prediction;
};

// BadInput when DIR holds no tpm output; Failed when a file differs from SHA256SUMS or the
// PCR file does not match what the artifacts give (naming the PCR).
Result<TpmOutput> ReadTpmOutput(const std::filesystem::path& dir);

}  // namespace vigil::image
