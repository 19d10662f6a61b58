// EIF v4 writer and strict parser; see docs/SPEC-eif.md for the format and its sources.
#include "image/eif.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>

#include "base/hex.h"
#include "base/time.h"
#include "base/utf8.h"
#include "crypto/hash.h"
#include "encoding/strict_json.h"

namespace vigil::image {
namespace {

// Layout constants from aws-nitro-enclaves-image-format src/defs/mod.rs.
constexpr std::array<std::uint8_t, 4> kMagic = {'.', 'e', 'i', 'f'};
constexpr std::uint16_t kVersion = 4;
constexpr std::size_t kMaxSections = 32;
constexpr std::uint16_t kFlagArchArm64 = 0x1;  // the only defined header flag
constexpr std::size_t kHeaderSize = 548;
constexpr std::size_t kSectionHeaderSize = 12;

// Field offsets inside the 548-byte header (all integers big-endian).
constexpr std::size_t kVersionAt = 4;
constexpr std::size_t kFlagsAt = 6;
constexpr std::size_t kDefaultMemAt = 8;
constexpr std::size_t kDefaultCpusAt = 16;
constexpr std::size_t kReservedAt = 24;
constexpr std::size_t kNumSectionsAt = 26;
constexpr std::size_t kOffsetsAt = 28;
constexpr std::size_t kSizesAt = kOffsetsAt + 8 * kMaxSections;  // 284
constexpr std::size_t kUnusedAt = kSizesAt + 8 * kMaxSections;   // 540
constexpr std::size_t kCrcAt = kUnusedAt + 4;                    // 544
static_assert(kCrcAt + 4 == kHeaderSize);

// EifBuilder::new in src/utils/mod.rs: 1 GiB and 2 vCPUs, not configurable there.
constexpr std::uint64_t kDefaultMemory = 1024ULL * 1024 * 1024;
constexpr std::uint64_t kDefaultCpus = 2;

// Kernel, cmdline and metadata take three of the 32 slots (no signature: Vigil does not sign
// EIFs with a PCR8 certificate).
constexpr std::size_t kMaxRamdisks = kMaxSections - 3;

// Vigil's own bounds (see eif.h): an EIF is refused above 2 GiB, a metadata section above
// 1 MiB (nitro-cli writes a few KiB; a DOM of 16 MiB costs about 650 MB) or nested deeper
// than kMaxEifMetadataDepth.
constexpr std::uint64_t kMaxEifSize = kMaxEifFileSize;
constexpr std::uint64_t kMaxMetadataSize = 1ULL * 1024 * 1024;

// Metadata values, as the spec fixes them for Vigil.
constexpr std::string_view kBuildTool = "vigil";
constexpr std::string_view kBuildToolVersion = "0.1.0";
constexpr std::string_view kOperatingSystem = "linux";
constexpr std::string_view kUnknownKernel = "Unknown";  // AWS identity.rs UNKNOWN_IMG_STR

// Build times that format as four-digit years, 0000-01-01T00:00:00 to 9999-12-31T23:59:59.
constexpr std::int64_t kMinBuildTime = -62167219200;
constexpr std::int64_t kMaxBuildTime = 253402300799;

// ---- big-endian helpers ----

void PutBe(Bytes& out, std::uint64_t value, int width) {
  for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

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

// ---- CRC32 ----

// The CRC (crc crate CRC_32_ISO_HDLC = zlib's crc32) covers every byte of the file except the
// header's own eif_crc32 field, which is bytes 544..547 (EifBuilder::compute_crc).
std::uint32_t EifCrc(ByteView file) {
  uLong crc = crc32_z(0L, Z_NULL, 0);
  crc = crc32_z(crc, file.data(), kCrcAt);
  crc = crc32_z(crc, file.data() + kHeaderSize, file.size() - kHeaderSize);
  return static_cast<std::uint32_t>(crc);
}

// ---- metadata ----

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

// ---- writing ----

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

// ---- parsing ----

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

// CString::new in EifBuilder refuses NUL, and the cmdline is a Rust String (UTF-8).
Status CheckCmdline(std::string_view cmdline) {
  if (cmdline.find('\0') != std::string_view::npos) {
    return Error::BadInput("EIF cmdline contains a NUL byte");
  }
  if (!IsValidUtf8(cmdline)) return Error::BadInput("EIF cmdline is not valid UTF-8");
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

// EifHasher::tpm_extend_finalize_reset: SHA-384(48 zero bytes || SHA-384(measured data)).
Bytes Extend(crypto::Hasher& hasher) {
  Bytes inner = hasher.Finish();
  crypto::Hasher outer(crypto::HashAlgorithm::kSha384);
  Bytes zeros(inner.size(), 0);
  outer.Update(zeros);
  outer.Update(inner);
  return outer.Finish();
}

}  // namespace

PcrPrefix StartPcrs(ByteView kernel, std::string_view cmdline) {
  PcrPrefix prefix;
  prefix.state.Update(kernel);
  prefix.state.Update(AsBytes(cmdline));
  return prefix;
}

Pcrs FinishPcrs(const PcrPrefix& prefix, const std::vector<ByteView>& ramdisks) {
  // EifBuilder::measure: PCR0 (image) and PCR1 (bootstrap) get kernel and cmdline; the first
  // ramdisk goes to PCR0 and PCR1, every later one to PCR0 and PCR2 (customer app).
  crypto::Hasher bootstrap = prefix.state;
  if (!ramdisks.empty()) bootstrap.Update(ramdisks.front());
  crypto::Hasher image = bootstrap;  // fork: the shared prefix is hashed once
  crypto::Hasher app(crypto::HashAlgorithm::kSha384);
  for (std::size_t i = 1; i < ramdisks.size(); ++i) {
    image.Update(ramdisks[i]);
    app.Update(ramdisks[i]);
  }
  return {Extend(image), Extend(bootstrap), Extend(app)};
}

Pcrs ComputePcrs(ByteView kernel, std::string_view cmdline, const std::vector<ByteView>& ramdisks) {
  return FinishPcrs(StartPcrs(kernel, cmdline), ramdisks);
}

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
