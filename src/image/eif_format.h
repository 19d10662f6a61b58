// The EIF v4 byte layout that the writer (eif_writer.cc) and the reader (eif_reader.cc)
// share: constants from aws-nitro-enclaves-image-format src/defs/mod.rs, and the rules both
// sides apply. Internal to image/; the public API is image/eif.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "base/result.h"
#include "base/utf8.h"
#include "image/eif.h"

namespace vigil::image::eif_format {

inline constexpr std::array<std::uint8_t, 4> kMagic = {'.', 'e', 'i', 'f'};
inline constexpr std::uint16_t kVersion = 4;
inline constexpr std::size_t kMaxSections = 32;
inline constexpr std::uint16_t kFlagArchArm64 = 0x1;  // the only defined header flag
inline constexpr std::size_t kHeaderSize = 548;
inline constexpr std::size_t kSectionHeaderSize = 12;

// Field offsets inside the 548-byte header (all integers big-endian).
inline constexpr std::size_t kVersionAt = 4;
inline constexpr std::size_t kFlagsAt = 6;
inline constexpr std::size_t kDefaultMemAt = 8;
inline constexpr std::size_t kDefaultCpusAt = 16;
inline constexpr std::size_t kReservedAt = 24;
inline constexpr std::size_t kNumSectionsAt = 26;
inline constexpr std::size_t kOffsetsAt = 28;
inline constexpr std::size_t kSizesAt = kOffsetsAt + 8 * kMaxSections;  // 284
inline constexpr std::size_t kUnusedAt = kSizesAt + 8 * kMaxSections;   // 540
inline constexpr std::size_t kCrcAt = kUnusedAt + 4;                    // 544
static_assert(kCrcAt + 4 == kHeaderSize);

// Vigil's own bound (see eif.h): an EIF is refused above 2 GiB, and not written either.
inline constexpr std::uint64_t kMaxEifSize = kMaxEifFileSize;

// Appends `value` as a `width`-byte big-endian integer.
inline void PutBe(Bytes& out, std::uint64_t value, int width) {
  for (int shift = 8 * (width - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

// CString::new in EifBuilder refuses NUL, and the cmdline is a Rust String (UTF-8): the
// writer refuses such a cmdline, the reader a file that holds one.
inline Status CheckCmdline(std::string_view cmdline) {
  if (cmdline.find('\0') != std::string_view::npos) {
    return Error::BadInput("EIF cmdline contains a NUL byte");
  }
  if (!IsValidUtf8(cmdline)) return Error::BadInput("EIF cmdline is not valid UTF-8");
  return OkStatus();
}

}  // namespace vigil::image::eif_format
