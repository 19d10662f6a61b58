// The EIF v4 writer: byte for byte what aws-nitro-enclaves-image-format's EifBuilder writes
// for the same inputs; see docs/SPEC-eif.md.
#include <zlib.h>

#include <array>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "base/time.h"
#include "base/utf8.h"
#include "image/eif.h"
#include "image/eif_format.h"

namespace vigil::image {
namespace {

using namespace eif_format;

// EifBuilder::new in src/utils/mod.rs: 1 GiB and 2 vCPUs, not configurable there.
constexpr std::uint64_t kDefaultMemory = 1024ULL * 1024 * 1024;
constexpr std::uint64_t kDefaultCpus = 2;

// Kernel, cmdline and metadata take three of the 32 slots (no signature: Vigil does not sign
// EIFs with a PCR8 certificate).
constexpr std::size_t kMaxRamdisks = kMaxSections - 3;

// Metadata values, as the spec fixes them for Vigil.
constexpr std::string_view kBuildTool = "vigil";
constexpr std::string_view kBuildToolVersion = "0.1.0";
constexpr std::string_view kOperatingSystem = "linux";
constexpr std::string_view kUnknownKernel = "Unknown";  // AWS identity.rs UNKNOWN_IMG_STR

// Build times that format as four-digit years, 0000-01-01T00:00:00 to 9999-12-31T23:59:59.
constexpr std::int64_t kMinBuildTime = -62167219200;
constexpr std::int64_t kMaxBuildTime = 253402300799;

// serde_json::to_vec of EifIdentityInfo (src/defs/mod.rs): compact, keys in struct order.
// DockerInfo and CustomMetadata are null, as eif_build writes them without Docker or a
// metadata file. nlohmann's compact dump escapes exactly as serde_json does.
std::string MetadataJson(const EifInput& input) {
  nlohmann::ordered_json build;
  build["BuildTime"] = FormatRfc3339Offset(input.build_time);  // chrono's to_rfc3339
  build["BuildTool"] = kBuildTool;
  build["BuildToolVersion"] = kBuildToolVersion;
  build["OperatingSystem"] = kOperatingSystem;
  build["KernelVersion"] = input.kernel_version.empty() ? kUnknownKernel : input.kernel_version;
  nlohmann::ordered_json identity;
  identity["ImageName"] = input.image_name;
  identity["ImageVersion"] = input.image_version;
  identity["BuildMetadata"] = std::move(build);
  identity["DockerInfo"] = nullptr;
  identity["CustomMetadata"] = nullptr;
  // `replace` keeps invalid UTF-8 from throwing; CheckEifInput refuses such input anyway.
  return identity.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

struct OutSection {
  EifSectionType type;
  ByteView data;
};

std::vector<OutSection> SectionsInWriteOrder(const EifInput& input, std::string_view metadata) {
  // EifBuilder::write_to: kernel, cmdline, metadata, ramdisks (then signature, unused here).
  std::vector<OutSection> sections = {
      {EifSectionType::kKernel, input.kernel},
      {EifSectionType::kCmdline, AsBytes(input.cmdline)},  // no trailing NUL
      {EifSectionType::kMetadata, AsBytes(metadata)},
  };
  for (ByteView ramdisk : input.ramdisks) {
    sections.push_back({EifSectionType::kRamdisk, ramdisk});
  }
  return sections;
}

void PutHeader(Bytes& out, const std::vector<OutSection>& sections) {
  std::array<std::uint64_t, kMaxSections> offsets{};
  std::array<std::uint64_t, kMaxSections> sizes{};
  std::uint64_t offset = kHeaderSize;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    if (i < kMaxSections) {
      offsets[i] = offset;  // the offset of the section's header, not of its data
      sizes[i] = sections[i].data.size();
    }
    offset += kSectionHeaderSize + sections[i].data.size();
  }
  out.insert(out.end(), kMagic.begin(), kMagic.end());
  PutBe(out, kVersion, 2);
  PutBe(out, 0, 2);  // flags: x86_64
  PutBe(out, kDefaultMemory, 8);
  PutBe(out, kDefaultCpus, 8);
  PutBe(out, 0, 2);  // reserved
  PutBe(out, sections.size(), 2);
  for (std::uint64_t value : offsets) PutBe(out, value, 8);
  for (std::uint64_t value : sizes) PutBe(out, value, 8);
  PutBe(out, 0, 4);  // unused
  PutBe(out, 0, 4);  // eif_crc32, filled in once the whole file is laid out
}

}  // namespace

Status CheckEifInput(const EifInput& input) {
  if (input.ramdisks.empty() || input.ramdisks.size() > kMaxRamdisks) {
    return Error::BadInput("an EIF needs 1 to " + std::to_string(kMaxRamdisks) + " ramdisks, got " +
                           std::to_string(input.ramdisks.size()));
  }
  VIGIL_RETURN_IF_ERROR(CheckCmdline(input.cmdline));
  for (const std::string* text : {&input.image_name, &input.image_version, &input.kernel_version}) {
    if (!IsValidUtf8(*text)) return Error::BadInput("EIF metadata text is not valid UTF-8");
  }
  if (input.build_time < kMinBuildTime || input.build_time > kMaxBuildTime) {
    return Error::BadInput("EIF build time " + std::to_string(input.build_time) +
                           " is outside years 0000-9999");
  }
  std::uint64_t total = kHeaderSize + 3 * kSectionHeaderSize + input.kernel.size() +
                        input.cmdline.size() + MetadataJson(input).size();
  for (ByteView ramdisk : input.ramdisks) total += kSectionHeaderSize + ramdisk.size();
  if (total > kMaxEifSize) {
    return Error::BadInput("the EIF would be " + std::to_string(total) + " bytes, above the " +
                           std::to_string(kMaxEifSize) + "-byte limit");
  }
  return OkStatus();
}

EifLayout LayoutEif(const EifInput& input) {
  EifLayout layout;
  std::string metadata_json = MetadataJson(input);
  const Bytes& metadata = layout.owned.emplace_back(metadata_json.begin(), metadata_json.end());
  std::vector<OutSection> sections = SectionsInWriteOrder(input, AsText(metadata));

  Bytes& header = layout.owned.emplace_back();
  PutHeader(header, sections);
  layout.pieces.push_back(header);
  for (const OutSection& section : sections) {
    Bytes& section_header = layout.owned.emplace_back();
    PutBe(section_header, static_cast<std::uint16_t>(section.type), 2);
    PutBe(section_header, 0, 2);  // section flags: always 0 in EifBuilder
    PutBe(section_header, section.data.size(), 8);
    layout.pieces.push_back(section_header);
    layout.pieces.push_back(section.data);
  }
  // The CRC covers every byte but its own field at the end of the header.
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, header.data(), kCrcAt);
  for (std::size_t i = 1; i < layout.pieces.size(); ++i) {
    crc = crc32_z(crc, layout.pieces[i].data(), layout.pieces[i].size());
  }
  for (int i = 0; i < 4; ++i) {
    header[kCrcAt + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (24 - 8 * i));
  }
  for (ByteView piece : layout.pieces) layout.size += piece.size();
  return layout;
}

Bytes WriteEif(const EifInput& input) {
  EifLayout layout = LayoutEif(input);
  Bytes out;
  out.reserve(layout.size);
  for (ByteView piece : layout.pieces) out.insert(out.end(), piece.begin(), piece.end());
  return out;
}

}  // namespace vigil::image
