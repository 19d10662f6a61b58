#include "image/eif.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <zlib.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/hex.h"
#include "crypto/hash.h"

namespace vigil::image {
namespace {

constexpr std::size_t kHeaderSize = 548;
constexpr std::size_t kCrcAt = 544;
constexpr std::size_t kSectionHeaderSize = 12;

// ---- independent helpers: written from docs/SPEC-eif.md, not from eif.cc ----

void Put(Bytes& out, std::uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint64_t Get(const Bytes& in, std::size_t at, int width) {
  std::uint64_t value = 0;
  for (int i = 0; i < width; ++i) value = (value << 8) | in[at + static_cast<std::size_t>(i)];
  return value;
}

void Set(Bytes& bytes, std::size_t at, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) {
    bytes[at + static_cast<std::size_t>(i)] =
        static_cast<std::uint8_t>(value >> (8 * (width - 1 - i)));
  }
}

std::uint32_t Crc(const Bytes& file) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, file.data(), static_cast<uInt>(kCrcAt));
  crc = crc32(crc, file.data() + kHeaderSize, static_cast<uInt>(file.size() - kHeaderSize));
  return static_cast<std::uint32_t>(crc);
}

void FixCrc(Bytes& file) { Set(file, kCrcAt, Crc(file), 4); }

struct RawSection {
  std::uint16_t type;
  Bytes data;
};

// A minimal EIF serialiser: header, then each section header and data back to back.
Bytes BuildRaw(const std::vector<RawSection>& sections) {
  Bytes out = {'.', 'e', 'i', 'f'};
  Put(out, 4, 2);                      // version
  Put(out, 0, 2);                      // flags
  Put(out, 1024ULL * 1024 * 1024, 8);  // default_mem
  Put(out, 2, 8);                      // default_cpus
  Put(out, 0, 2);                      // reserved
  Put(out, sections.size(), 2);        // num_sections
  std::uint64_t offset = kHeaderSize;
  for (std::size_t i = 0; i < 32; ++i) {
    Put(out, i < sections.size() ? offset : 0, 8);
    if (i < sections.size()) offset += kSectionHeaderSize + sections[i].data.size();
  }
  for (std::size_t i = 0; i < 32; ++i)
    Put(out, i < sections.size() ? sections[i].data.size() : 0, 8);
  Put(out, 0, 4);  // unused
  Put(out, 0, 4);  // crc, fixed below
  for (const RawSection& section : sections) {
    Put(out, section.type, 2);
    Put(out, 0, 2);
    Put(out, section.data.size(), 8);
    out.insert(out.end(), section.data.begin(), section.data.end());
  }
  FixCrc(out);
  return out;
}

Bytes Of(std::string_view text) { return Bytes(text.begin(), text.end()); }

// PCR = SHA-384(48 zero bytes || SHA-384(data)).
std::string Pcr(const Bytes& data) {
  auto inner = crypto::Sha384(data);
  Bytes outer(48, 0);
  outer.insert(outer.end(), inner.begin(), inner.end());
  return HexEncode(crypto::Sha384(outer));
}

Bytes Concat(std::initializer_list<const Bytes*> parts) {
  Bytes out;
  for (const Bytes* part : parts) out.insert(out.end(), part->begin(), part->end());
  return out;
}

struct Fixture {
  Bytes kernel = Of("kernel bytes: pretend bzImage");
  Bytes ramdisk1 = Of("bootstrap ramdisk");
  Bytes ramdisk2 = Of("application ramdisk, a bit longer");
  EifInput input;

  Fixture() {
    input.kernel = kernel;
    input.cmdline = "console=ttyS0 reboot=k panic=1";
    input.ramdisks = {ramdisk1, ramdisk2};
    input.image_name = "hello";
    input.image_version = "1.2.3";
    input.build_time = 1700000000;
    input.kernel_version = "6.1.0";
  }
};

constexpr char kFixtureMetadata[] =
    R"({"ImageName":"hello","ImageVersion":"1.2.3","BuildMetadata":{)"
    R"("BuildTime":"2023-11-14T22:13:20+00:00","BuildTool":"vigil","BuildToolVersion":"0.1.0",)"
    R"("OperatingSystem":"linux","KernelVersion":"6.1.0"},"DockerInfo":null,)"
    R"("CustomMetadata":null})";

Error ParseError(const Bytes& file) {
  Result<EifInfo> result = ParseEif(file);
  EXPECT_FALSE(result.ok());
  return result.ok() ? Error::Failed("parsed") : result.error();
}

// ---- tests ----

TEST(Eif, Crc32IsTheIsoHdlcVariant) {
  std::string check = "123456789";
  uLong crc =
      crc32(0L, reinterpret_cast<const Bytef*>(check.data()), static_cast<uInt>(check.size()));
  EXPECT_EQ(crc, 0xcbf43926U);
}

TEST(Eif, MatchesAnIndependentSerialisation) {
  Fixture f;
  Bytes expected = BuildRaw({{1, f.kernel},
                             {2, Of(f.input.cmdline)},
                             {5, Of(kFixtureMetadata)},
                             {3, f.ramdisk1},
                             {3, f.ramdisk2}});
  EXPECT_EQ(HexEncode(WriteEif(f.input)), HexEncode(expected));
}

TEST(Eif, HeaderLayout) {
  Fixture f;
  Bytes eif = WriteEif(f.input);
  EXPECT_EQ(Get(eif, 0, 4), 0x2e656966U);  // ".eif"
  EXPECT_EQ(Get(eif, 4, 2), 4U);
  EXPECT_EQ(Get(eif, 26, 2), 5U);
  EXPECT_EQ(Get(eif, 28, 8), kHeaderSize);       // kernel section header offset
  EXPECT_EQ(Get(eif, 284, 8), f.kernel.size());  // kernel data size
  EXPECT_EQ(Get(eif, kHeaderSize, 2), 1U);       // kernel type
  EXPECT_EQ(Get(eif, kHeaderSize + 4, 8), f.kernel.size());
  EXPECT_EQ(Get(eif, 36, 8), kHeaderSize + kSectionHeaderSize + f.kernel.size());  // cmdline
  EXPECT_EQ(Get(eif, kCrcAt, 4), Crc(eif));
}

TEST(Eif, RoundTrip) {
  Fixture f;
  Bytes eif = WriteEif(f.input);
  Result<EifInfo> info = ParseEif(eif);
  ASSERT_TRUE(info.ok()) << info.error().message();
  EXPECT_EQ(info->version, 4);
  EXPECT_EQ(info->flags, 0);
  EXPECT_EQ(info->default_memory, 1024ULL * 1024 * 1024);
  EXPECT_EQ(info->default_cpus, 2U);
  EXPECT_EQ(info->crc32, Crc(eif));
  EXPECT_EQ(info->cmdline, f.input.cmdline);
  EXPECT_EQ(info->metadata_json, kFixtureMetadata);
  ASSERT_EQ(info->sections.size(), 5U);
  const EifSectionType types[] = {EifSectionType::kKernel, EifSectionType::kCmdline,
                                  EifSectionType::kMetadata, EifSectionType::kRamdisk,
                                  EifSectionType::kRamdisk};
  std::uint64_t offset = kHeaderSize;
  for (std::size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(info->sections[i].type, types[i]);
    EXPECT_EQ(info->sections[i].offset, offset);
    offset += kSectionHeaderSize + info->sections[i].size;
  }
  EXPECT_EQ(offset, eif.size());
  EXPECT_EQ(info->sections[0].size, f.kernel.size());
  EXPECT_EQ(info->sections[4].size, f.ramdisk2.size());
  Pcrs expected = ComputePcrs(f.kernel, f.input.cmdline, f.input.ramdisks);
  EXPECT_EQ(info->pcrs.pcr0, expected.pcr0);
  EXPECT_EQ(info->pcrs.pcr1, expected.pcr1);
  EXPECT_EQ(info->pcrs.pcr2, expected.pcr2);
}

TEST(Eif, PcrsMatchAnIndependentComputation) {
  Fixture f;
  Bytes cmdline = Of(f.input.cmdline);  // no trailing NUL
  Pcrs pcrs = ComputePcrs(f.kernel, f.input.cmdline, f.input.ramdisks);
  EXPECT_EQ(HexEncode(pcrs.pcr0), Pcr(Concat({&f.kernel, &cmdline, &f.ramdisk1, &f.ramdisk2})));
  EXPECT_EQ(HexEncode(pcrs.pcr1), Pcr(Concat({&f.kernel, &cmdline, &f.ramdisk1})));
  EXPECT_EQ(HexEncode(pcrs.pcr2), Pcr(f.ramdisk2));
  EXPECT_EQ(pcrs.pcr0.size(), 48U);
}

TEST(Eif, PcrKnownAnswerForASingleRamdisk) {
  // With one ramdisk, nitro-cli reports PCR2 = extend(SHA-384 of nothing); tkhq/qos pins
  // this value (src/integration/tests/boot.rs, MOCK_PCR2), as do many published EIF builds.
  Fixture f;
  Pcrs pcrs = ComputePcrs(f.kernel, f.input.cmdline, {f.ramdisk1});
  EXPECT_EQ(HexEncode(pcrs.pcr2),
            "21b9efbc184807662e966d34f390821309eeac6802309798"
            "826296bf3e8bec7c10edb30948c90ba67310f7b964fc500a");
  EXPECT_EQ(pcrs.pcr0, pcrs.pcr1);
}

TEST(Eif, WritingTwiceGivesTheSameBytes) {
  Fixture f;
  EXPECT_EQ(WriteEif(f.input), WriteEif(f.input));
}

TEST(Eif, BuildTimeChangesOnlyTheMetadataSection) {
  Fixture f;
  Bytes a = WriteEif(f.input);
  f.input.build_time += 1;
  Bytes b = WriteEif(f.input);
  ASSERT_EQ(a.size(), b.size());
  Result<EifInfo> info = ParseEif(a);
  ASSERT_TRUE(info.ok());
  const EifSection& metadata = info->sections[2];
  std::size_t begin = metadata.offset + kSectionHeaderSize;
  std::size_t end = begin + metadata.size;
  for (std::size_t i = 0; i < a.size(); ++i) {
    bool in_metadata = i >= begin && i < end;
    bool in_crc = i >= kCrcAt && i < kCrcAt + 4;
    if (!in_metadata && !in_crc) {
      ASSERT_EQ(a[i], b[i]) << "byte " << i;
    }
  }
  EXPECT_NE(a, b);
  Result<EifInfo> other = ParseEif(b);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->pcrs.pcr0, info->pcrs.pcr0);
  EXPECT_NE(other->metadata_json.find("2023-11-14T22:13:21+00:00"), std::string::npos);
}

std::string BuildTimeIn(std::int64_t seconds) {
  Fixture f;
  f.input.build_time = seconds;
  Result<EifInfo> info = ParseEif(WriteEif(f.input));
  EXPECT_TRUE(info.ok());
  std::string key = R"("BuildTime":")";
  std::size_t at = info->metadata_json.find(key) + key.size();
  return info->metadata_json.substr(at, info->metadata_json.find('"', at) - at);
}

TEST(Eif, BuildTimeIsRfc3339Utc) {
  EXPECT_EQ(BuildTimeIn(0), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(BuildTimeIn(-1), "1969-12-31T23:59:59+00:00");
  EXPECT_EQ(BuildTimeIn(951782400), "2000-02-29T00:00:00+00:00");
  EXPECT_EQ(BuildTimeIn(4102444799), "2099-12-31T23:59:59+00:00");
  EXPECT_EQ(BuildTimeIn(253402300799), "9999-12-31T23:59:59+00:00");
}

TEST(Eif, MetadataEscapingAndUnknownKernel) {
  Fixture f;
  f.input.image_name = "a\"b\\c\nd\x01\xc3\xa9/";
  f.input.kernel_version.clear();
  Result<EifInfo> info = ParseEif(WriteEif(f.input));
  ASSERT_TRUE(info.ok()) << info.error().message();
  // serde_json escapes '"', '\\' and control characters (short forms or \u00xx), nothing else.
  EXPECT_NE(info->metadata_json.find(R"("ImageName":"a\"b\\c\nd\u0001)"
                                     "\xc3\xa9"
                                     R"(/")"),
            std::string::npos)
      << info->metadata_json;
  EXPECT_NE(info->metadata_json.find(R"("KernelVersion":"Unknown")"), std::string::npos);
}

TEST(Eif, FlippingAByteInAnySectionFailsTheCrc) {
  Fixture f;
  Bytes eif = WriteEif(f.input);
  Result<EifInfo> info = ParseEif(eif);
  ASSERT_TRUE(info.ok());
  for (const EifSection& section : info->sections) {
    Bytes corrupt = eif;
    corrupt[section.offset + kSectionHeaderSize + section.size / 2] ^= 0x01;
    Error error = ParseError(corrupt);
    EXPECT_EQ(error.code(), ErrorCode::kFailed) << SectionTypeName(section.type);
    EXPECT_NE(error.message().find("CRC32"), std::string::npos) << error.message();
    EXPECT_NE(error.message().find(HexEncode(Bytes(eif.begin() + kCrcAt, eif.begin() + 548))),
              std::string::npos)
        << error.message();
  }
  Bytes header_flip = eif;
  header_flip[9] ^= 0x01;  // default_mem is covered too
  EXPECT_EQ(ParseError(header_flip).code(), ErrorCode::kFailed);
}

TEST(Eif, TruncatedFilesAreRefused) {
  Fixture f;
  Bytes eif = WriteEif(f.input);
  for (std::size_t size :
       {std::size_t{0}, std::size_t{100}, kHeaderSize, kHeaderSize + 5, eif.size() - 1}) {
    Bytes cut(eif.begin(), eif.begin() + static_cast<std::ptrdiff_t>(size));
    EXPECT_EQ(ParseError(cut).code(), ErrorCode::kBadInput) << size;
  }
  Bytes cut(eif.begin(), eif.end() - 1);
  EXPECT_NE(ParseError(cut).message().find("out of bounds"), std::string::npos);
}

TEST(Eif, WrongMagicIsRefused) {
  Fixture f;
  Bytes eif = WriteEif(f.input);
  eif[0] = 'E';
  FixCrc(eif);
  Error error = ParseError(eif);
  EXPECT_EQ(error.code(), ErrorCode::kBadInput);
  EXPECT_NE(error.message().find("magic"), std::string::npos);
}

TEST(Eif, OtherVersionsAreRefused) {
  Fixture f;
  for (int version : {0, 1, 2, 3, 5}) {
    Bytes eif = WriteEif(f.input);
    Set(eif, 4, static_cast<std::uint64_t>(version), 2);
    FixCrc(eif);
    Error error = ParseError(eif);
    EXPECT_EQ(error.code(), ErrorCode::kBadInput);
    EXPECT_NE(error.message().find("version " + std::to_string(version)), std::string::npos);
  }
}

TEST(Eif, HeaderFieldsAreChecked) {
  Fixture f;
  Bytes good = WriteEif(f.input);
  auto refused = [&](std::size_t at, std::uint64_t value, int width) {
    Bytes eif = good;
    Set(eif, at, value, width);
    FixCrc(eif);
    return ParseError(eif).code() == ErrorCode::kBadInput;
  };
  EXPECT_TRUE(refused(6, 0x2, 2));          // unknown flag
  EXPECT_TRUE(refused(24, 1, 2));           // reserved
  EXPECT_TRUE(refused(540, 1, 4));          // unused
  EXPECT_TRUE(refused(26, 0, 2));           // no sections
  EXPECT_TRUE(refused(26, 33, 2));          // beyond MAX_NUM_SECTIONS
  EXPECT_TRUE(refused(26, 4, 2));           // a used table slot left past num_sections
  EXPECT_TRUE(refused(28 + 8 * 31, 1, 8));  // a slot past num_sections is not zero
  // The arm64 flag is the one flag defined.
  Bytes arm = good;
  Set(arm, 6, 1, 2);
  FixCrc(arm);
  Result<EifInfo> info = ParseEif(arm);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->flags, 1);
}

TEST(Eif, SectionsOutOfBoundsOrInconsistentAreRefused) {
  Fixture f;
  Bytes good = WriteEif(f.input);
  std::size_t last = 4;
  std::uint64_t last_offset = Get(good, 28 + 8 * last, 8);
  {
    Bytes eif = good;  // last section claims more data than the file has
    Set(eif, 284 + 8 * last, f.ramdisk2.size() + 1, 8);
    Set(eif, last_offset + 4, f.ramdisk2.size() + 1, 8);
    FixCrc(eif);
    Error error = ParseError(eif);
    EXPECT_EQ(error.code(), ErrorCode::kBadInput);
    EXPECT_NE(error.message().find("out of bounds"), std::string::npos) << error.message();
  }
  {
    Bytes eif = good;  // a huge size must not wrap around
    Set(eif, 284 + 8 * last, ~0ULL - 5, 8);
    Set(eif, last_offset + 4, ~0ULL - 5, 8);
    FixCrc(eif);
    EXPECT_EQ(ParseError(eif).code(), ErrorCode::kBadInput);
  }
  {
    Bytes eif = good;  // section header size differs from the table
    Set(eif, last_offset + 4, f.ramdisk2.size() - 1, 8);
    FixCrc(eif);
    EXPECT_NE(ParseError(eif).message().find("section table says"), std::string::npos);
  }
  {
    Bytes eif = good;  // section 1 overlaps section 0
    Set(eif, 36, kHeaderSize, 8);
    FixCrc(eif);
    EXPECT_NE(ParseError(eif).message().find("overlaps"), std::string::npos);
  }
  {
    Bytes eif = good;  // offset far outside the file
    Set(eif, 28 + 8 * last, ~0ULL, 8);
    FixCrc(eif);
    EXPECT_EQ(ParseError(eif).code(), ErrorCode::kBadInput);
  }
  {
    Bytes eif = good;  // unknown section type
    Set(eif, last_offset, 6, 2);
    FixCrc(eif);
    EXPECT_NE(ParseError(eif).message().find("unknown type 6"), std::string::npos);
  }
}

TEST(Eif, TrailingBytesAreRefused) {
  Fixture f;
  Bytes eif = WriteEif(f.input);
  eif.push_back(0);
  FixCrc(eif);
  Error error = ParseError(eif);
  EXPECT_EQ(error.code(), ErrorCode::kBadInput);
  EXPECT_NE(error.message().find("1 trailing bytes"), std::string::npos) << error.message();
}

TEST(Eif, SectionOrderFollowsNitroCli) {
  const Bytes k = Of("k");
  const Bytes c = Of("c");
  const Bytes r = Of("r");
  const Bytes m = Of(kFixtureMetadata);
  const Bytes s = Of("sig");
  // Metadata and signature are optional; a signature section is accepted (not verified).
  EXPECT_TRUE(ParseEif(BuildRaw({{1, k}, {2, c}, {3, r}})).ok());
  Result<EifInfo> signed_eif = ParseEif(BuildRaw({{1, k}, {2, c}, {5, m}, {3, r}, {3, r}, {4, s}}));
  ASSERT_TRUE(signed_eif.ok()) << signed_eif.error().message();
  EXPECT_EQ(signed_eif->sections.back().type, EifSectionType::kSignature);
  EXPECT_EQ(signed_eif->pcrs.pcr0, ComputePcrs(k, "c", {r, r}).pcr0);

  for (const std::vector<RawSection>& bad : std::vector<std::vector<RawSection>>{
           {{2, c}, {1, k}, {3, r}},          // cmdline first
           {{1, k}, {2, c}, {5, m}},          // no ramdisk
           {{1, k}, {2, c}, {3, r}, {5, m}},  // metadata after a ramdisk
           {{1, k}, {2, c}, {3, r}, {4, s}, {3, r}},
           {{1, k}, {2, c}, {2, c}, {3, r}},
       }) {
    EXPECT_EQ(ParseError(BuildRaw(bad)).code(), ErrorCode::kBadInput);
  }
}

TEST(Eif, ContentIsCheckedAfterTheCrc) {
  const Bytes k = Of("k");
  const Bytes r = Of("r");
  Error nul = ParseError(BuildRaw({{1, k}, {2, Of(std::string_view("a\0b", 3))}, {3, r}}));
  EXPECT_EQ(nul.code(), ErrorCode::kBadInput);
  EXPECT_NE(nul.message().find("NUL"), std::string::npos);
  EXPECT_EQ(ParseError(BuildRaw({{1, k}, {2, Of("\xff")}, {3, r}})).code(), ErrorCode::kBadInput);
  EXPECT_EQ(ParseError(BuildRaw({{1, k}, {2, Of("c")}, {5, Of("{")}, {3, r}})).code(),
            ErrorCode::kBadInput);
  EXPECT_EQ(
      ParseError(BuildRaw({{1, k}, {2, Of("c")}, {5, Of(R"({"ImageName":"x"})")}, {3, r}})).code(),
      ErrorCode::kBadInput);
  // Each message says what is really wrong (finding D22).
  auto says = [&](const std::string& metadata, const std::string& fragment) {
    Error error = ParseError(BuildRaw({{1, k}, {2, Of("c")}, {5, Of(metadata)}, {3, r}}));
    EXPECT_NE(error.message().find(fragment), std::string::npos) << error.message();
  };
  says("{\"a\":\"\xff\"}",
       "EIF metadata: invalid JSON near byte 7: parsing value - invalid string: ill-formed UTF-8 "
       "byte");
  says(std::string("{}\0", 3), "EIF metadata holds a NUL byte at byte 2");
  says(R"({"ImageName":"x","ImageName":"y"})",
       "EIF metadata: the key \"ImageName\" appears twice in the object at $");
  says("[1]", "JSON but not an object");
  says(R"({"ImageName":5})", "field ImageName must be a string");
  says(R"({"ImageName":"x"})", "lacks the field ImageVersion");
  Error signature_first = ParseError(BuildRaw({{1, k}, {2, Of("c")}, {4, Of("sig")}, {3, r}}));
  EXPECT_NE(signature_first.message().find("(Signature) is out of order"), std::string::npos)
      << signature_first.message();
}

TEST(Eif, CheckEifInput) {
  Fixture f;
  EXPECT_TRUE(CheckEifInput(f.input).ok());
  EifInput bad = f.input;
  bad.ramdisks.clear();
  EXPECT_FALSE(CheckEifInput(bad).ok());
  bad = f.input;
  bad.ramdisks.assign(30, ByteView(f.ramdisk1));
  EXPECT_FALSE(CheckEifInput(bad).ok());
  bad.ramdisks.assign(29, ByteView(f.ramdisk1));
  EXPECT_TRUE(CheckEifInput(bad).ok());
  EXPECT_TRUE(ParseEif(WriteEif(bad)).ok());
  bad = f.input;
  bad.cmdline.push_back('\0');
  EXPECT_EQ(CheckEifInput(bad).error().code(), ErrorCode::kBadInput);
  EXPECT_FALSE(ParseEif(WriteEif(bad)).ok());  // written anyway, refused when read
  bad = f.input;
  bad.image_name = "\xc0\x80";  // overlong NUL
  EXPECT_FALSE(CheckEifInput(bad).ok());
  bad = f.input;
  bad.build_time = 253402300800;  // year 10000
  EXPECT_FALSE(CheckEifInput(bad).ok());
}

// EifIdentityInfo metadata with the given JSON as DockerInfo and CustomMetadata.
std::string MetadataWith(std::string_view docker_info, std::string_view custom = "null") {
  return R"({"ImageName":"x","ImageVersion":"1","BuildMetadata":{"BuildTime":"t",)"
         R"("BuildTool":"t","BuildToolVersion":"t","OperatingSystem":"t","KernelVersion":"t"},)"
         R"("DockerInfo":)" +
         std::string(docker_info) + R"(,"CustomMetadata":)" + std::string(custom) + "}";
}

Result<EifInfo> ParseWithMetadata(std::string_view metadata) {
  return ParseEif(BuildRaw({{1, Of("k")}, {2, Of("c")}, {5, Of(metadata)}, {3, Of("r")}}));
}

std::string Nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

bool RefusedAsTooDeep(std::string_view metadata) {
  Result<EifInfo> info = ParseWithMetadata(metadata);
  return !info.ok() && info.error().code() == ErrorCode::kBadInput &&
         info.error().message().find("nesting deeper than 32 levels") != std::string::npos;
}

TEST(Eif, DeeplyNestedMetadataIsRefused) {
  // Deep nesting within the size limit overflowed the stack of `vigil image describe --json`.
  EXPECT_TRUE(RefusedAsTooDeep(MetadataWith(Nested(500'000))));
  EXPECT_TRUE(RefusedAsTooDeep(MetadataWith("null", "{\"a\":" + Nested(32) + "}")));
  // The top-level object is level 1, so 31 more levels is the deepest accepted.
  EXPECT_TRUE(RefusedAsTooDeep(MetadataWith(Nested(32))));
  Result<EifInfo> deepest = ParseWithMetadata(MetadataWith(Nested(31)));
  ASSERT_TRUE(deepest.ok()) << deepest.error().message();
  nlohmann::json doc = nlohmann::json::parse(deepest->metadata_json, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  EXPECT_EQ(doc["DockerInfo"].dump(), Nested(31));
}

TEST(Eif, MetadataDepthIgnoresBracketsInStrings) {
  std::string brackets(100, '[');
  EXPECT_TRUE(ParseWithMetadata(MetadataWith("\"" + brackets + "{{{\"")).ok());
  // An escaped quote does not end the string, so these brackets are still inside it.
  EXPECT_TRUE(ParseWithMetadata(MetadataWith(R"("\\\")" + brackets + "\"")).ok());
  // An escaped quote inside a string, or an escaped backslash just before its closing quote,
  // must not hide the nesting that follows the string.
  EXPECT_TRUE(RefusedAsTooDeep(MetadataWith(R"(["\"",)" + Nested(40) + "]")));
  EXPECT_TRUE(RefusedAsTooDeep(MetadataWith(R"(["\\",)" + Nested(40) + "]")));
}

TEST(Eif, NonZeroSectionFlagsAreRefused) {
  Fixture f;
  Bytes good = WriteEif(f.input);
  Result<EifInfo> info = ParseEif(good);
  ASSERT_TRUE(info.ok());
  for (const EifSection& section : info->sections) {
    for (std::uint64_t flags : {0x1ULL, 0x8000ULL}) {
      Bytes eif = good;
      Set(eif, section.offset + 2, flags, 2);
      FixCrc(eif);
      Error error = ParseError(eif);
      EXPECT_EQ(error.code(), ErrorCode::kBadInput);
      EXPECT_NE(error.message().find("section flags"), std::string::npos) << error.message();
    }
  }
}

TEST(Eif, ReportsWhetherThereIsASignature) {
  const Bytes k = Of("k");
  const Bytes c = Of("c");
  const Bytes r = Of("r");
  Result<EifInfo> plain = ParseEif(BuildRaw({{1, k}, {2, c}, {3, r}}));
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->has_signature);
  Result<EifInfo> signed_eif = ParseEif(BuildRaw({{1, k}, {2, c}, {3, r}, {4, Of("sig")}}));
  ASSERT_TRUE(signed_eif.ok());
  EXPECT_TRUE(signed_eif->has_signature);
  Fixture f;
  Result<EifInfo> written = ParseEif(WriteEif(f.input));
  ASSERT_TRUE(written.ok());
  EXPECT_FALSE(written->has_signature);
}

TEST(Eif, SizeLimitIsThePublicConstant) {
  static_assert(kMaxEifFileSize == 2ULL * 1024 * 1024 * 1024);
  // Reserve, without committing, one byte past the limit: only the first page is ever read.
  std::size_t length = kMaxEifFileSize + 1;
  void* map = mmap(nullptr, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  ASSERT_NE(map, MAP_FAILED);
  const auto* zeros = static_cast<const std::uint8_t*>(map);
  Result<EifInfo> over = ParseEif(ByteView(zeros, length));
  Result<EifInfo> at_limit = ParseEif(ByteView(zeros, length - 1));
  munmap(map, length);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().message().find("above the " + std::to_string(kMaxEifFileSize)),
            std::string::npos)
      << over.error().message();
  ASSERT_FALSE(at_limit.ok());
  EXPECT_NE(at_limit.error().message().find("magic"), std::string::npos);
}

TEST(Eif, SectionTypeNames) {
  EXPECT_EQ(SectionTypeName(EifSectionType::kKernel), "Kernel");
  EXPECT_EQ(SectionTypeName(EifSectionType::kCmdline), "Cmdline");
  EXPECT_EQ(SectionTypeName(EifSectionType::kRamdisk), "Ramdisk");
  EXPECT_EQ(SectionTypeName(EifSectionType::kSignature), "Signature");
  EXPECT_EQ(SectionTypeName(EifSectionType::kMetadata), "Metadata");
  EXPECT_EQ(SectionTypeName(EifSectionType::kInvalid), "Invalid");
}

}  // namespace
}  // namespace vigil::image

namespace vigil::image {
namespace {

TEST(EifPieces, PrefixThenFinishEqualsComputePcrs) {
  Bytes kernel(3000, 0x4b);
  Bytes first(700, 1);
  Bytes second(900, 2);
  std::vector<ByteView> ramdisks = {first, second};
  Pcrs whole = ComputePcrs(kernel, "console=ttyS0", ramdisks);
  Pcrs split = FinishPcrs(StartPcrs(kernel, "console=ttyS0"), ramdisks);
  EXPECT_EQ(whole.pcr0, split.pcr0);
  EXPECT_EQ(whole.pcr1, split.pcr1);
  EXPECT_EQ(whole.pcr2, split.pcr2);
}

TEST(EifPieces, LayoutViewsTheKernelWithoutCopying) {
  Bytes kernel(5000, 0x4b);
  Bytes ramdisk(100, 7);
  EifInput input{.kernel = kernel,
                 .cmdline = "c",
                 .ramdisks = {ramdisk},
                 .image_name = "x",
                 .image_version = "1",
                 .build_time = 1700000000};
  EifLayout layout = LayoutEif(input);
  bool viewed = false;
  for (ByteView piece : layout.pieces) viewed = viewed || piece.data() == kernel.data();
  EXPECT_TRUE(viewed);
  Bytes joined;
  for (ByteView piece : layout.pieces) joined.insert(joined.end(), piece.begin(), piece.end());
  EXPECT_EQ(joined.size(), layout.size);
  auto parsed = ParseEif(joined);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
}

}  // namespace
}  // namespace vigil::image
