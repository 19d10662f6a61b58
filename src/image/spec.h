// The image spec: a TOML file naming every input of an image, each pinned by SHA-256.
// Spec: docs/SPEC-image.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "image/compression_kind.h"

namespace vigil::image {

// An input file: where it is (relative to the spec file) and the SHA-256 it must have.
struct PinnedInput {
  std::string path;                   // as written in the spec
  std::optional<std::string> sha256;  // lowercase hex; required for the kernel
  std::filesystem::path resolved;     // path resolved against the spec's directory
};

struct PlacedFile {
  PinnedInput source;
  std::string destination;  // absolute path inside the image
  std::uint32_t mode = 0644;
};

// generic: kernel, initramfs and cmdline for QEMU's direct boot; aws: an EIF and its PCRs;
// tpm: the same three files for UEFI firmware's direct boot, and the PCR values a vTPM will
// hold (docs/SPEC-tpm.md).
enum class Output { kGeneric, kAws, kTpm };

// [quorum]: the image runs vigil-enclave (docs/SPEC-enclave.md) instead of its target; the
// enclave starts the target as the pivot once its quorum key is provisioned.
struct QuorumSpec {
  PinnedInput enclave;                   // the vigil-enclave binary (static)
  std::string attestation = "mock-nsm";  // only the mock NSM is built so far
  std::string channel = "vigil-quorum";  // the virtio serial port's name
};

struct ImageSpec {
  std::string name;
  std::string version;  // optional; "0" when absent
  PinnedInput kernel;
  std::string cmdline;
  std::optional<PinnedInput> init;  // absent: vigil-init next to the vigil binary
  PinnedInput target;
  std::string target_destination;  // absolute path inside the image
  std::vector<std::string> target_args;
  std::vector<PlacedFile> files;
  std::vector<Output> outputs;  // sorted, unique
  Compression compression = Compression::kGzip;
  std::uint32_t source_date_epoch = 0;
  bool debug = false;
  std::optional<PinnedInput> busybox;  // debug images only
  std::optional<QuorumSpec> quorum;
  // The guest memory `vigil image run` gives the image unless --memory says otherwise;
  // absent: 256 MiB. Not part of any output's bytes (an enclave's memory is chosen at
  // launch), but recorded in the resolved spec.
  std::optional<int> memory_mib;
};

inline constexpr int kDefaultMemoryMib = 256;
inline constexpr int kMinMemoryMib = 64;
inline constexpr int kMaxMemoryMib = 65536;

// Reads and validates a spec file: TOML syntax, no unknown keys, types, names,
// destinations (absolute, clean, not reserved, no collisions), cmdline, outputs.
// SOURCE_DATE_EPOCH from `epoch_override` (the environment variable) replaces the spec's
// value. Does not read the inputs: the builder hashes and checks them.
Result<ImageSpec> LoadSpec(const std::filesystem::path& spec_path,
                           const std::optional<std::string>& epoch_override);

// $SOURCE_DATE_EPOCH as `epoch_override` takes it: its text when the variable is set (even
// empty, which the spec reader refuses), nothing when it is not.
std::optional<std::string> EpochFromEnvironment();

// The vigil-init to boot when the spec names none ([init] path): `bin_dir()`/vigil-init,
// which must exist (MissingEnv, saying how to get one). Empty when the spec names its own;
// `bin_dir` (where vigil is installed) is then not asked.
Result<std::filesystem::path> DefaultInit(
    const ImageSpec& spec, const std::function<Result<std::filesystem::path>()>& bin_dir);

// Parses a spec from text; `base_dir` resolves relative paths; `origin` names the text
// in error messages.
Result<ImageSpec> ParseSpec(std::string_view text, const std::filesystem::path& base_dir,
                            const std::string& origin,
                            const std::optional<std::string>& epoch_override);

// The resolved spec: the same spec with every input's SHA-256 filled in and the epoch
// resolved, as TOML. Paths stay as written so the text does not depend on where the
// build ran. Deterministic.
std::string ResolvedSpecToml(const ImageSpec& spec);

std::string OutputName(Output output);

}  // namespace vigil::image
