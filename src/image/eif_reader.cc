// The strict EIF v4 reader: the layout, CRC and metadata checked before anything is
// interpreted; see docs/SPEC-eif.md.
#include <zlib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "base/hex.h"
#include "encoding/strict_json.h"
#include "image/eif.h"
#include "image/eif_format.h"

namespace vigil::image {
namespace {

using namespace eif_format;

// Vigil's bound on a metadata section (see eif.h): above 1 MiB is refused (nitro-cli writes
// a few KiB; a DOM of 16 MiB costs about 650 MB).
constexpr std::uint64_t kMaxMetadataSize = 1ULL * 1024 * 1024;

std::uint64_t GetBe(ByteView in, std::size_t at, int width) {
  std::uint64_t value = 0;
  for (int i = 0; i < width; ++i) {
    value = (value << 8) | in[at + static_cast<std::size_t>(i)];
  }
  return value;
}

std::uint16_t GetU16(ByteView in, std::size_t at) {
  return static_cast<std::uint16_t>(GetBe(in, at, 2));
}
std::uint32_t GetU32(ByteView in, std::size_t at) {
  return static_cast<std::uint32_t>(GetBe(in, at, 4));
}
std::uint64_t GetU64(ByteView in, std::size_t at) { return GetBe(in, at, 8); }

std::string Hex32(std::uint32_t value) {
  Bytes bytes;
  PutBe(bytes, value, 4);
  return HexEncode(bytes);
}

// The CRC (crc crate CRC_32_ISO_HDLC = zlib's crc32) covers every byte of the file except the
// header's own eif_crc32 field, which is bytes 544..547 (EifBuilder::compute_crc).
std::uint32_t EifCrc(ByteView file) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, file.data(), kCrcAt);
  crc = crc32_z(crc, file.data() + kHeaderSize, file.size() - kHeaderSize);
  return static_cast<std::uint32_t>(crc);
}

struct RawSection {
  EifSection info;
  ByteView data;
};

Status CheckHeader(ByteView file) {
  if (file.size() > kMaxEifSize) {
    return Error::BadInput("EIF is " + std::to_string(file.size()) + " bytes, above the " +
                           std::to_string(kMaxEifSize) + "-byte limit");
  }
  // The magic first, so that a small file of another kind is called what it is rather than
  // a truncated EIF.
  if (file.empty()) return Error::BadInput("not an EIF: the file is empty");
  std::size_t magic_bytes = std::min(file.size(), kMagic.size());
  if (!std::equal(kMagic.begin(), kMagic.begin() + magic_bytes, file.begin())) {
    return Error::BadInput(
        "not an EIF: the file does not start with the magic \".eif\"; give the .eif file "
        "from a build's output directory");
  }
  if (file.size() < kHeaderSize) {
    return Error::BadInput("truncated EIF: " + std::to_string(file.size()) +
                           " bytes, the header alone is " + std::to_string(kHeaderSize) +
                           "; the file was cut short, copy or rebuild it again");
  }
  std::uint16_t version = GetU16(file, kVersionAt);
  if (version != kVersion) {
    return Error::BadInput("unsupported EIF version " + std::to_string(version) +
                           " (only version 4 is read)");
  }
  std::uint16_t flags = GetU16(file, kFlagsAt);
  if ((flags & ~kFlagArchArm64) != 0) {
    return Error::BadInput("EIF header has unknown flags 0x" + Hex32(flags));
  }
  if (GetU16(file, kReservedAt) != 0 || GetU32(file, kUnusedAt) != 0) {
    return Error::BadInput("EIF header has non-zero reserved or unused fields");
  }
  std::uint16_t count = GetU16(file, kNumSectionsAt);
  if (count < 3 || count > kMaxSections) {
    return Error::BadInput("EIF declares " + std::to_string(count) +
                           " sections; it needs 3 to 32 (kernel, cmdline, ramdisk...)");
  }
  for (std::size_t i = count; i < kMaxSections; ++i) {
    if (GetU64(file, kOffsetsAt + 8 * i) != 0 || GetU64(file, kSizesAt + 8 * i) != 0) {
      return Error::BadInput("EIF section table slot " + std::to_string(i) +
                             " is beyond num_sections but not zero");
    }
  }
  return OkStatus();
}

// Reads section `index` from the table, checking that it starts exactly at `expected` (the
// end of the previous one: AWS's reader walks sections back to back) and fits in the file.
Result<RawSection> ReadSection(ByteView file, std::size_t index, std::uint64_t expected) {
  std::string name = "EIF section " + std::to_string(index);
  std::uint64_t offset = GetU64(file, kOffsetsAt + 8 * index);
  std::uint64_t size = GetU64(file, kSizesAt + 8 * index);
  if (offset < expected) {
    return Error::BadInput(name + " at offset " + std::to_string(offset) +
                           " overlaps the data before it (which ends at " +
                           std::to_string(expected) + ")");
  }
  if (offset > expected) {
    return Error::BadInput(name + " at offset " + std::to_string(offset) +
                           " leaves a gap after offset " + std::to_string(expected));
  }
  if (file.size() - offset < kSectionHeaderSize) {
    return Error::BadInput(name + " header at offset " + std::to_string(offset) +
                           " is out of bounds (file is " + std::to_string(file.size()) + " bytes)");
  }
  std::uint16_t type = GetU16(file, offset);
  if (type < static_cast<std::uint16_t>(EifSectionType::kKernel) ||
      type > static_cast<std::uint16_t>(EifSectionType::kMetadata)) {
    return Error::BadInput(name + " has unknown type " + std::to_string(type));
  }
  // No section flags are defined and EifBuilder always writes 0.
  std::uint16_t flags = GetU16(file, offset + 2);
  if (flags != 0) {
    return Error::BadInput(name + " has section flags 0x" + Hex32(flags) +
                           "; AWS's writer always writes 0");
  }
  std::uint64_t header_size = GetU64(file, offset + 4);
  if (header_size != size) {
    return Error::BadInput(name + " header says " + std::to_string(header_size) +
                           " bytes, the section table says " + std::to_string(size));
  }
  std::uint64_t data_at = offset + kSectionHeaderSize;
  if (size > file.size() - data_at) {
    return Error::BadInput(name + " (" + std::to_string(size) + " bytes at offset " +
                           std::to_string(data_at) + ") is out of bounds (file is " +
                           std::to_string(file.size()) + " bytes)");
  }
  RawSection section;
  section.info.type = static_cast<EifSectionType>(type);
  section.info.flags = flags;
  section.info.offset = offset;
  section.info.size = size;
  section.data = file.subspan(data_at, size);
  return section;
}

Result<std::vector<RawSection>> ReadSections(ByteView file) {
  std::uint16_t count = GetU16(file, kNumSectionsAt);
  std::vector<RawSection> sections;
  std::uint64_t expected = kHeaderSize;
  for (std::size_t i = 0; i < count; ++i) {
    VIGIL_ASSIGN_OR_RETURN(RawSection section, ReadSection(file, i, expected));
    expected = section.info.offset + kSectionHeaderSize + section.info.size;
    sections.push_back(section);
  }
  if (expected != file.size()) {
    return Error::BadInput("EIF has " + std::to_string(file.size() - expected) +
                           " trailing bytes after its last section");
  }
  return sections;
}

// The order nitro-cli writes: kernel, cmdline, [metadata], ramdisk..., [signature].
Status CheckSectionOrder(const std::vector<RawSection>& sections) {
  auto type_at = [&](std::size_t k) { return sections[k].info.type; };
  if (type_at(0) != EifSectionType::kKernel || type_at(1) != EifSectionType::kCmdline) {
    return Error::BadInput("EIF must start with a Kernel then a Cmdline section, found " +
                           SectionTypeName(type_at(0)) + " then " + SectionTypeName(type_at(1)));
  }
  std::size_t i = 2;
  if (type_at(i) == EifSectionType::kMetadata) ++i;
  std::size_t first_ramdisk = i;
  while (i < sections.size() && type_at(i) == EifSectionType::kRamdisk) ++i;
  if (i == first_ramdisk) {
    if (i == sections.size()) {
      return Error::BadInput("EIF has no Ramdisk section after its Kernel and Cmdline");
    }
    return Error::BadInput("EIF section " + std::to_string(i) + " (" + SectionTypeName(type_at(i)) +
                           ") is out of order; a Ramdisk must follow the Kernel, Cmdline and "
                           "Metadata");
  }
  if (i < sections.size() && type_at(i) == EifSectionType::kSignature) ++i;
  if (i != sections.size()) {
    return Error::BadInput("EIF section " + std::to_string(i) + " (" + SectionTypeName(type_at(i)) +
                           ") is out of order; expected Kernel, Cmdline, Metadata, Ramdisk..., "
                           "Signature");
  }
  return OkStatus();
}

// The metadata must deserialize as EifIdentityInfo, as EifReader::from_eif requires.
Status CheckMetadata(std::string_view text) {
  if (text.size() > kMaxMetadataSize) {
    return Error::BadInput("EIF metadata is " + std::to_string(text.size()) + " bytes, above the " +
                           std::to_string(kMaxMetadataSize) + "-byte limit");
  }
  // Strict: a duplicate key, a NUL or trailing bytes are refused (serde, which AWS's tools
  // use, refuses duplicate fields), and nesting is bounded while parsing, since callers
  // re-parse and dump the metadata recursively and deeply nested input would overflow their
  // stack.
  VIGIL_ASSIGN_OR_RETURN(nlohmann::json doc,
                         encoding::ParseStrictJson(text, "EIF metadata", kMaxEifMetadataDepth));
  if (!doc.is_object()) return Error::BadInput("EIF metadata is JSON but not an object");
  // Names the first field of EifIdentityInfo that is missing or of the wrong type.
  auto require = [](const nlohmann::json& object, const std::string& key,
                    nlohmann::json::value_t type, const char* what) -> Status {
    auto it = object.find(key);
    if (it == object.end()) return Error::BadInput("EIF metadata lacks the field " + key);
    if (type != nlohmann::json::value_t::discarded && it->type() != type) {
      return Error::BadInput("EIF metadata field " + key + " must be " + what);
    }
    return OkStatus();
  };
  using Type = nlohmann::json::value_t;
  VIGIL_RETURN_IF_ERROR(require(doc, "ImageName", Type::string, "a string"));
  VIGIL_RETURN_IF_ERROR(require(doc, "ImageVersion", Type::string, "a string"));
  VIGIL_RETURN_IF_ERROR(require(doc, "BuildMetadata", Type::object, "an object"));
  VIGIL_RETURN_IF_ERROR(require(doc, "DockerInfo", Type::discarded, ""));
  VIGIL_RETURN_IF_ERROR(require(doc, "CustomMetadata", Type::discarded, ""));
  const nlohmann::json& build = doc.at("BuildMetadata");
  for (const char* key :
       {"BuildTime", "BuildTool", "BuildToolVersion", "OperatingSystem", "KernelVersion"}) {
    auto it = build.find(key);
    if (it == build.end() || !it->is_string()) {
      return Error::BadInput(std::string("EIF metadata field BuildMetadata.") + key +
                             " is missing or not a string");
    }
  }
  return OkStatus();
}

}  // namespace

Result<EifInfo> ParseEif(ByteView file) {
  VIGIL_RETURN_IF_ERROR(CheckHeader(file));
  // Past the header, a layout error means a damaged file: say what to do about it once.
  constexpr char kDamaged[] = " (the file is damaged: build it again or copy it again)";
  auto sections = ReadSections(file);
  if (!sections.ok()) return Error(sections.error().code(), sections.error().message() + kDamaged);
  Status order = CheckSectionOrder(*sections);
  if (!order.ok()) return Error(order.error().code(), order.error().message() + kDamaged);

  // Integrity before interpretation: a corrupted section is reported as a CRC failure.
  EifInfo info;
  info.crc32 = GetU32(file, kCrcAt);
  std::uint32_t actual = EifCrc(file);
  if (actual != info.crc32) {
    return Error::Failed("EIF CRC32 mismatch: header has " + Hex32(info.crc32) +
                         ", the file's bytes give " + Hex32(actual) + kDamaged);
  }

  info.version = GetU16(file, kVersionAt);
  info.flags = GetU16(file, kFlagsAt);
  info.default_memory = GetU64(file, kDefaultMemAt);
  info.default_cpus = GetU64(file, kDefaultCpusAt);
  ByteView kernel;
  ByteView cmdline;
  std::optional<ByteView> metadata;
  std::vector<ByteView> ramdisks;
  for (const RawSection& section : *sections) {
    info.sections.push_back(section.info);
    switch (section.info.type) {
      case EifSectionType::kKernel:
        kernel = section.data;
        break;
      case EifSectionType::kCmdline:
        cmdline = section.data;
        break;
      case EifSectionType::kMetadata:
        metadata = section.data;
        break;
      case EifSectionType::kRamdisk:
        ramdisks.push_back(section.data);
        break;
      case EifSectionType::kSignature:  // measured into PCR8 only, which Vigil does not use
        info.has_signature = true;
        break;
      case EifSectionType::kInvalid:  // refused by ReadSection
        break;
    }
  }
  VIGIL_RETURN_IF_ERROR(CheckCmdline(AsText(cmdline)));
  info.cmdline = std::string(AsText(cmdline));
  if (metadata.has_value()) {
    VIGIL_RETURN_IF_ERROR(CheckMetadata(AsText(*metadata)));
    info.metadata_json = std::string(AsText(*metadata));
  }
  info.pcrs = ComputePcrs(kernel, info.cmdline, ramdisks);
  return info;
}

std::string SectionTypeName(EifSectionType type) {
  switch (type) {
    case EifSectionType::kInvalid:
      return "Invalid";
    case EifSectionType::kKernel:
      return "Kernel";
    case EifSectionType::kCmdline:
      return "Cmdline";
    case EifSectionType::kRamdisk:
      return "Ramdisk";
    case EifSectionType::kSignature:
      return "Signature";
    case EifSectionType::kMetadata:
      return "Metadata";
  }
  return "Unknown(" + std::to_string(static_cast<int>(type)) + ")";
}

}  // namespace vigil::image
