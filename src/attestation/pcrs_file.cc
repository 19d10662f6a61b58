#include "attestation/pcrs_file.h"

#include <string>

#include "base/hex.h"
#include "base/strict_number.h"

namespace vigil::attestation {

namespace {

Result<std::map<int, Bytes>> ParseLines(std::string_view text, std::size_t digest_bytes,
                                        int max_index, bool comments) {
  std::map<int, Bytes> pcrs;
  int line_number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || (comments && line.front() == '#')) continue;
    auto bad = [&](const std::string& problem) {
      return Error::BadInput("PCR file line " + std::to_string(line_number) + ": " + problem);
    };
    const auto space = line.find(' ');
    if (space == std::string_view::npos || line.substr(space + 1, 3) != "PCR") {
      return bad("expected '<hex> PCR<n>'");
    }
    const auto index = ScanUnsigned(line.substr(space + 4), 0, max_index, LeadingZeros::kRefused);
    if (!index.ok()) return bad("the register is not PCR0 to PCR" + std::to_string(max_index));
    Result<Bytes> value = HexDecode(line.substr(0, space));
    if (!value.ok() || value->size() != digest_bytes) {
      return bad("the value is not " + std::to_string(digest_bytes * 2) + " hex digits (" +
                 (digest_bytes == 48 ? "SHA-384)" : "SHA-256)"));
    }
    if (!pcrs.emplace(static_cast<int>(index.value), std::move(*value)).second) {
      return bad("PCR" + std::to_string(index.value) + " is given twice");
    }
  }
  return pcrs;
}

}  // namespace

Result<std::map<int, Bytes>> ParsePcrsFile(std::string_view text) {
  return ParseLines(text, 48, 31, false);
}

Result<std::map<int, Bytes>> ParseTpmPcrsFile(std::string_view text) {
  return ParseLines(text, 32, 23, true);
}

}  // namespace vigil::attestation
