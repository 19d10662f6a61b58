#include "base/strict_number.h"

namespace vigil {
namespace {

// The digits of `text` in `radix` (8 or 10) as a number, without any range but 64 bits.
ScannedNumber<std::uint64_t> ScanDigits(std::string_view text, unsigned radix, LeadingZeros zeros) {
  if (text.empty()) return {0, NumberProblem::kEmpty};
  const char last_digit = static_cast<char>('0' + radix - 1);
  for (char c : text) {
    if (c < '0' || c > last_digit) return {0, NumberProblem::kNotDecimal};
  }
  if (zeros == LeadingZeros::kRefused && text.size() > 1 && text[0] == '0') {
    return {0, NumberProblem::kLeadingZero};
  }
  std::uint64_t value = 0;
  for (char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMaxUint64 - digit) / radix) return {0, NumberProblem::kOutOfRange};
    value = value * radix + digit;
  }
  return {value, NumberProblem::kNone};
}

Error Problem(std::string_view what, NumberProblem problem, const std::string& range) {
  const std::string name(what);
  switch (problem) {
    case NumberProblem::kEmpty:
      return Error::BadInput(name + " is empty");
    case NumberProblem::kNotDecimal:
      return Error::BadInput(name + " is not a decimal number");
    case NumberProblem::kLeadingZero:
      return Error::BadInput(name + " has a leading zero");
    case NumberProblem::kOutOfRange:
    case NumberProblem::kNone:
      break;
  }
  if (range.empty()) return Error::BadInput(name + " does not fit in 64 bits");
  return Error::BadInput(name + " is out of range (" + range + ")");
}

}  // namespace

ScannedNumber<std::uint64_t> ScanUnsigned(std::string_view text, std::uint64_t min,
                                          std::uint64_t max, LeadingZeros zeros) {
  ScannedNumber<std::uint64_t> scanned = ScanDigits(text, 10, zeros);
  if (scanned.ok() && (scanned.value < min || scanned.value > max)) {
    return {0, NumberProblem::kOutOfRange};
  }
  return scanned;
}

ScannedNumber<std::int64_t> ScanSigned(std::string_view text, std::int64_t min, std::int64_t max,
                                       LeadingZeros zeros) {
  const bool negative = text.starts_with('-');
  if (negative) {
    text.remove_prefix(1);
    if (text.empty()) return {0, NumberProblem::kNotDecimal};
    if (zeros == LeadingZeros::kRefused && text[0] == '0') return {0, NumberProblem::kLeadingZero};
  }
  const ScannedNumber<std::uint64_t> magnitude = ScanDigits(text, 10, zeros);
  if (!magnitude.ok()) return {0, magnitude.problem};
  // The magnitude of the smallest int64 is one more than the largest.
  const std::uint64_t limit =
      static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negative ? 1 : 0);
  if (magnitude.value > limit) return {0, NumberProblem::kOutOfRange};
  const std::int64_t value = negative ? static_cast<std::int64_t>(0 - magnitude.value)
                                      : static_cast<std::int64_t>(magnitude.value);
  if (value < min || value > max) return {0, NumberProblem::kOutOfRange};
  return {value, NumberProblem::kNone};
}

ScannedNumber<std::uint64_t> ScanOctal(std::string_view text, std::uint64_t max) {
  ScannedNumber<std::uint64_t> scanned = ScanDigits(text, 8, LeadingZeros::kAllowed);
  if (scanned.ok() && scanned.value > max) return {0, NumberProblem::kOutOfRange};
  return scanned;
}

Result<std::uint64_t> ParseUnsigned(std::string_view text, std::string_view what, std::uint64_t min,
                                    std::uint64_t max, LeadingZeros zeros) {
  const ScannedNumber<std::uint64_t> scanned = ScanUnsigned(text, min, max, zeros);
  if (scanned.ok()) return scanned.value;
  const bool whole = min == 0 && max == kMaxUint64;
  return Problem(what, scanned.problem,
                 whole ? "" : std::to_string(min) + " to " + std::to_string(max));
}

Result<std::int64_t> ParseSigned(std::string_view text, std::string_view what, std::int64_t min,
                                 std::int64_t max, LeadingZeros zeros) {
  const ScannedNumber<std::int64_t> scanned = ScanSigned(text, min, max, zeros);
  if (scanned.ok()) return scanned.value;
  return Problem(what, scanned.problem, std::to_string(min) + " to " + std::to_string(max));
}

}  // namespace vigil
