// The AWS Nitro Enclaves image format (EIF, version 4): the writer (eif_writer.cc) and the
// strict reader (eif_reader.cc); the PCR measurements are image/pcrs.h.
//
// Layout, section types, CRC32 and PCR rules follow aws-nitro-enclaves-image-format, the
// library behind nitro-cli's build-enclave and describe-eif. Spec: docs/SPEC-eif.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "image/pcrs.h"

namespace vigil::image {

// Vigil's bounds on what ParseEif reads: the whole file, and how deeply arrays and objects
// nest in the metadata JSON (the top-level object is depth 1). The depth bound lets callers
// re-parse and dump the metadata with a recursive JSON library without risking the stack.
inline constexpr std::uint64_t kMaxEifFileSize = 2ULL * 1024 * 1024 * 1024;  // 2 GiB
inline constexpr std::size_t kMaxEifMetadataDepth = 32;

// What goes into an EIF.
struct EifInput {
  ByteView kernel;
  std::string cmdline;
  std::vector<ByteView> ramdisks;  // at least one
  // Identity metadata (the JSON metadata section). build_time comes from
  // SOURCE_DATE_EPOCH, never the clock, so the EIF is reproducible.
  std::string image_name;
  std::string image_version;
  std::int64_t build_time = 0;  // seconds since the epoch
  std::string kernel_version;   // may be empty
};

enum class EifSectionType : std::uint16_t {
  kInvalid = 0,
  kKernel = 1,
  kCmdline = 2,
  kRamdisk = 3,
  kSignature = 4,
  kMetadata = 5,
};

struct EifSection {
  EifSectionType type = EifSectionType::kInvalid;
  std::uint16_t flags = 0;   // always 0: ParseEif refuses any other value
  std::uint64_t offset = 0;  // of the section header in the file
  std::uint64_t size = 0;    // of the section data, without its header
};

// A parsed and verified EIF (magic, version, bounds and CRC all checked).
struct EifInfo {
  std::uint16_t version = 0;
  std::uint16_t flags = 0;
  std::uint64_t default_memory = 0;
  std::uint64_t default_cpus = 0;
  std::uint32_t crc32 = 0;
  std::vector<EifSection> sections;
  std::string cmdline;
  // Empty when there is no metadata section. Otherwise a JSON object with the
  // EifIdentityInfo fields, nested at most kMaxEifMetadataDepth deep, so
  // nlohmann::json::parse(metadata_json, nullptr, false) accepts it and dump() is safe.
  std::string metadata_json;
  bool has_signature = false;  // a Signature section is present (kept, not verified)
  Pcrs pcrs;
};

// An EIF as consecutive byte ranges: the small parts (header, section headers, metadata)
// are owned here and the large inputs (kernel, ramdisks) are viewed in place, so a build
// never copies the kernel. The views stay valid while the EifInput's data does.
struct EifLayout {
  std::deque<Bytes> owned;  // a deque: growing it never moves the bytes pieces point into
  std::vector<ByteView> pieces;
  std::uint64_t size = 0;
};
EifLayout LayoutEif(const EifInput& input);

// Checks that `input` can be written as an EIF that ParseEif accepts: 1 to 29 ramdisks, a
// cmdline that is UTF-8 without NUL, UTF-8 metadata strings, a build time in years 0000-9999
// and a total size within ParseEif's limit. Errors are kBadInput.
Status CheckEifInput(const EifInput& input);

// Serialises an EIF. Deterministic: the same input gives the same bytes. Call CheckEifInput
// first: an input it refuses still serialises, but ParseEif will refuse the result.
Bytes WriteEif(const EifInput& input);

// Parses and verifies an EIF. Errors (kBadInput) name the problem: above kMaxEifFileSize,
// not an EIF (magic), unsupported version, unknown header or non-zero section flags, a section
// out of bounds or overlapping, trailing bytes, metadata that is not EifIdentityInfo, is not strict
// JSON (encoding/strict_json.h: a duplicate key, a NUL, trailing bytes) or nests deeper than
// kMaxEifMetadataDepth; or a bad CRC (kFailed: a verification failure).
Result<EifInfo> ParseEif(ByteView file);

// Section type name as nitro-cli prints it ("Kernel", "Cmdline", ...).
std::string SectionTypeName(EifSectionType type);

}  // namespace vigil::image
