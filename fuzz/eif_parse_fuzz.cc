// libFuzzer target: ParseEif must refuse or accept any bytes without crashing, and what it
// accepts must keep two promises: the metadata re-parses (and dumps) with nlohmann, as
// `vigil image describe --json` does, and the PCRs are those of the section data in the file.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "image/eif.h"

namespace {

using vigil::ByteView;
using vigil::image::EifInfo;
using vigil::image::EifSection;
using vigil::image::EifSectionType;
using vigil::image::Pcrs;

constexpr std::size_t kSectionHeaderSize = 12;

// The data of `section` in `file`, or nothing when the parser let it point outside the file.
std::optional<ByteView> SectionData(ByteView file, const EifSection& section) {
  if (section.offset > file.size() || file.size() - section.offset < kSectionHeaderSize ||
      section.size > file.size() - section.offset - kSectionHeaderSize) {
    return std::nullopt;
  }
  return file.subspan(section.offset + kSectionHeaderSize, section.size);
}

// Recomputes the PCRs from the file's bytes, independently of the parser's own bookkeeping.
std::optional<Pcrs> PcrsFromFile(ByteView file, const EifInfo& info) {
  ByteView kernel;
  std::string cmdline;
  std::vector<ByteView> ramdisks;
  for (const EifSection& section : info.sections) {
    std::optional<ByteView> data = SectionData(file, section);
    if (!data.has_value()) return std::nullopt;
    if (section.type == EifSectionType::kKernel) kernel = *data;
    if (section.type == EifSectionType::kCmdline) cmdline = vigil::AsText(*data);
    if (section.type == EifSectionType::kRamdisk) ramdisks.push_back(*data);
  }
  return vigil::image::ComputePcrs(kernel, cmdline, ramdisks);
}

bool MetadataReparses(const EifInfo& info) {
  if (info.metadata_json.empty()) return true;
  nlohmann::json doc = nlohmann::json::parse(info.metadata_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return false;
  doc.dump();  // recursive, like describe's output: bounded only by the parser's depth check
  return true;
}

bool SamePcrs(const Pcrs& a, const Pcrs& b) {
  return a.pcr0 == b.pcr0 && a.pcr1 == b.pcr1 && a.pcr2 == b.pcr2;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView file(data, size);
  auto info = vigil::image::ParseEif(file);
  if (!info.ok()) return 0;
  if (!MetadataReparses(*info)) __builtin_trap();
  std::optional<Pcrs> pcrs = PcrsFromFile(file, *info);
  if (!pcrs.has_value() || !SamePcrs(*pcrs, info->pcrs)) __builtin_trap();
  return 0;
}
