#include "attestation/tpm_event_log.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>

namespace vigil::attestation {
namespace {

constexpr std::uint16_t kAlgSha256 = 0x000b;
constexpr char kSpecIdSignature[] = "Spec ID Event03";  // 16 bytes with its NUL
constexpr std::size_t kMaxBanks = 16;

// A cursor over the log that refuses to read past its end.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  std::size_t offset() const { return offset_; }
  bool done() const { return offset_ == data_.size(); }
  bool Has(std::size_t size) const { return data_.size() - offset_ >= size; }
  std::uint32_t Le(std::size_t size) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < size; ++i) value |= std::uint32_t{data_[offset_ + i]} << (8 * i);
    offset_ += size;
    return value;
  }
  ByteView Take(std::size_t size) {
    ByteView piece = data_.subspan(offset_, size);
    offset_ += size;
    return piece;
  }

 private:
  ByteView data_;
  std::size_t offset_ = 0;
};

Error BadAt(std::size_t offset, const std::string& what) {
  return Error::BadInput("TPM event log at byte " + std::to_string(offset) + ": " + what);
}

// The header event: TCG_PCR_EVENT (SHA-1 layout) holding TCG_EfiSpecIDEvent; the digest
// size of each bank the TCG_PCR_EVENT2 records carry.
Result<std::map<std::uint16_t, std::uint16_t>> ReadSpecId(Reader& in) {
  if (!in.Has(32)) return BadAt(0, "shorter than its header event");
  const std::uint32_t pcr = in.Le(4), type = in.Le(4);
  in.Take(20);
  const std::uint32_t size = in.Le(4);
  if (pcr != 0 || type != kEvNoAction || size > kMaxEventBytes || !in.Has(size) || size < 29) {
    return BadAt(0, "the first event is not a Spec ID event (not a crypto-agile log)");
  }
  Reader spec(in.Take(size));
  if (std::memcmp(spec.Take(16).data(), kSpecIdSignature, 16) != 0) {
    return BadAt(32, "the Spec ID event's signature is not \"Spec ID Event03\"");
  }
  spec.Take(8);  // platform class, version, errata, uintn size
  const std::uint32_t banks = spec.Le(4);
  if (banks == 0 || banks > kMaxBanks || !spec.Has(banks * 4)) {
    return BadAt(32, "the Spec ID event lists " + std::to_string(banks) + " banks");
  }
  std::map<std::uint16_t, std::uint16_t> sizes;
  for (std::uint32_t i = 0; i < banks; ++i) {
    const auto algorithm = static_cast<std::uint16_t>(spec.Le(2));
    const auto digest_size = static_cast<std::uint16_t>(spec.Le(2));
    if (digest_size == 0 || digest_size > 64 || !sizes.emplace(algorithm, digest_size).second) {
      return BadAt(32, "the Spec ID event lists a bank twice or with a bad digest size");
    }
  }
  if (sizes.find(kAlgSha256) == sizes.end() || sizes.at(kAlgSha256) != 32) {
    return BadAt(32, "the log has no SHA-256 bank");
  }
  return sizes;
}

Result<TpmEvent> ReadEvent(Reader& in, const std::map<std::uint16_t, std::uint16_t>& sizes) {
  const std::size_t start = in.offset();
  if (!in.Has(12)) return BadAt(start, "an event is cut short");
  TpmEvent event;
  event.pcr = in.Le(4);
  event.type = in.Le(4);
  const std::uint32_t count = in.Le(4);
  if (event.pcr >= kTpmPcrCount) {
    return BadAt(start, "an event for PCR " + std::to_string(event.pcr));
  }
  if (count != sizes.size()) {
    return BadAt(start, "an event has " + std::to_string(count) + " digests, the log " +
                            std::to_string(sizes.size()) + " banks");
  }
  for (std::uint32_t i = 0; i < count; ++i) {
    if (!in.Has(2)) return BadAt(start, "an event's digests are cut short");
    const auto algorithm = static_cast<std::uint16_t>(in.Le(2));
    auto size = sizes.find(algorithm);
    if (size == sizes.end()) return BadAt(start, "an event has a digest of an unlisted bank");
    if (!in.Has(size->second)) return BadAt(start, "an event's digests are cut short");
    ByteView digest = in.Take(size->second);
    if (algorithm == kAlgSha256) {
      if (event.sha256) return BadAt(start, "an event has two SHA-256 digests");
      event.sha256.emplace();
      std::copy(digest.begin(), digest.end(), event.sha256->begin());
    }
  }
  if (!in.Has(4)) return BadAt(start, "an event's size is cut short");
  const std::uint32_t size = in.Le(4);
  if (size > kMaxEventBytes || !in.Has(size)) {
    return BadAt(start, "an event's data (" + std::to_string(size) + " bytes) is cut short");
  }
  ByteView data = in.Take(size);
  event.data.assign(data.begin(), data.end());
  return event;
}

}  // namespace

Result<TpmEventLog> ParseTpmEventLog(ByteView log) {
  if (log.size() > kMaxEventLogBytes) {
    return Error::BadInput("TPM event log over " + std::to_string(kMaxEventLogBytes) + " bytes");
  }
  Reader in(log);
  VIGIL_ASSIGN_OR_RETURN(auto sizes, ReadSpecId(in));
  TpmEventLog parsed;
  while (!in.done()) {
    VIGIL_ASSIGN_OR_RETURN(TpmEvent event, ReadEvent(in, sizes));
    parsed.events.push_back(std::move(event));
  }
  return parsed;
}

TpmPcrValues ReplayTpmEventLog(const TpmEventLog& log) {
  TpmPcrValues pcrs{};
  for (const TpmEvent& event : log.events) {
    // A firmware that started the TPM from locality 3 or 4 says so: PCR 0 then starts
    // from that locality's number.
    constexpr char kStartupLocality[] = "StartupLocality";  // 16 bytes with its NUL
    if (event.type == kEvNoAction && event.pcr == 0 && event.data.size() == 17 &&
        std::memcmp(event.data.data(), kStartupLocality, 16) == 0) {
      pcrs[0] = {};
      pcrs[0].back() = event.data[16];
    }
    if (event.type == kEvNoAction || !event.sha256) continue;
    Bytes joined(pcrs[event.pcr].begin(), pcrs[event.pcr].end());
    joined.insert(joined.end(), event.sha256->begin(), event.sha256->end());
    pcrs[event.pcr] = crypto::Sha256(joined);
  }
  return pcrs;
}

std::string TpmEventTypeName(std::uint32_t type) {
  static const std::map<std::uint32_t, std::string> kNames = {
      {kEvPostCode, "EV_POST_CODE"},
      {kEvNoAction, "EV_NO_ACTION"},
      {kEvSeparator, "EV_SEPARATOR"},
      {kEvAction, "EV_ACTION"},
      {kEvEventTag, "EV_EVENT_TAG"},
      {0x8, "EV_S_CRTM_VERSION"},
      {0xd, "EV_IPL"},
      {0x12, "EV_TABLE_OF_DEVICES"},
      {0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG"},
      {0x80000002, "EV_EFI_VARIABLE_BOOT"},
      {kEvEfiBootServicesApplication, "EV_EFI_BOOT_SERVICES_APPLICATION"},
      {0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER"},
      {0x80000006, "EV_EFI_GPT_EVENT"},
      {kEvEfiAction, "EV_EFI_ACTION"},
      {0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB"},
      {0x80000009, "EV_EFI_HANDOFF_TABLES"},
      {0x8000000a, "EV_EFI_PLATFORM_FIRMWARE_BLOB2"},
      {0x8000000b, "EV_EFI_HANDOFF_TABLES2"},
      {0x800000e0, "EV_EFI_VARIABLE_AUTHORITY"},
  };
  auto found = kNames.find(type);
  if (found != kNames.end()) return found->second;
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%x", type);
  return hex;
}

}  // namespace vigil::attestation
