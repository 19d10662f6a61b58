// Strict parsing of integers written as text by people, files and peers: ASCII digits only
// (no whitespace, no '+', no base prefix, no sign on an unsigned number), within a range,
// and never a silent overflow or a partial parse. The one place src/ turns digits into a
// number: std::stoi, strtoull, from_chars and their kind stay out of the rest of the code
// (tests/vocabulary.sh checks), since each of them accepts something a caller did not mean
// (leading spaces, a '+' or '-', trailing text, "0x" prefixes, wrapped negative values).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "base/result.h"

namespace vigil {

// Whether "007" is 7 or refused. "0" itself is always accepted; formats with one canonical
// spelling (checkpoints, receipts, tile paths) refuse leading zeros.
enum class LeadingZeros { kAllowed, kRefused };

// Why a text is not a number in range, for callers that word their own messages.
enum class NumberProblem {
  kNone,
  kEmpty,
  kNotDecimal,   // a character other than the digits (and one leading '-' when signed)
  kLeadingZero,  // only with LeadingZeros::kRefused
  kOutOfRange,   // below min or above max, including anything that overflows 64 bits
};

template <typename T>
struct ScannedNumber {
  T value = 0;  // 0 unless problem is kNone
  NumberProblem problem = NumberProblem::kNone;
  bool ok() const { return problem == NumberProblem::kNone; }
};

inline constexpr std::uint64_t kMaxUint64 = std::numeric_limits<std::uint64_t>::max();

// Decimal digits as an unsigned number in [min, max]. Problems are reported in this order:
// empty, a non-digit anywhere, a leading zero, out of range.
ScannedNumber<std::uint64_t> ScanUnsigned(std::string_view text, std::uint64_t min = 0,
                                          std::uint64_t max = kMaxUint64,
                                          LeadingZeros zeros = LeadingZeros::kAllowed);

// An optional '-' then decimal digits, in [min, max]. "-0" is 0, refused (kLeadingZero)
// when leading zeros are; a '+' is never accepted.
ScannedNumber<std::int64_t> ScanSigned(std::string_view text, std::int64_t min, std::int64_t max,
                                       LeadingZeros zeros = LeadingZeros::kAllowed);

// Octal digits (0-7) as an unsigned number in [0, max], leading zeros allowed ("0644").
ScannedNumber<std::uint64_t> ScanOctal(std::string_view text, std::uint64_t max = kMaxUint64);

// The same with BadInput errors that name `what` ("the tree size (line 2)"):
//   "<what> is empty", "<what> is not a decimal number", "<what> has a leading zero",
//   "<what> does not fit in 64 bits" (when the range is all of uint64) or
//   "<what> is out of range (MIN to MAX)". The text itself is not quoted (it may be hostile).
Result<std::uint64_t> ParseUnsigned(std::string_view text, std::string_view what,
                                    std::uint64_t min = 0, std::uint64_t max = kMaxUint64,
                                    LeadingZeros zeros = LeadingZeros::kAllowed);
Result<std::int64_t> ParseSigned(std::string_view text, std::string_view what, std::int64_t min,
                                 std::int64_t max, LeadingZeros zeros = LeadingZeros::kAllowed);

}  // namespace vigil
