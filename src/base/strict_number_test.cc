#include "base/strict_number.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

NumberProblem UnsignedProblem(std::string_view text, std::uint64_t min = 0,
                              std::uint64_t max = kMaxUint64,
                              LeadingZeros zeros = LeadingZeros::kAllowed) {
  return ScanUnsigned(text, min, max, zeros).problem;
}

TEST(ScanUnsigned, Digits) {
  EXPECT_EQ(ScanUnsigned("0").value, 0u);
  EXPECT_EQ(ScanUnsigned("42").value, 42u);
  EXPECT_EQ(ScanUnsigned("18446744073709551615").value, kMaxUint64);
  EXPECT_EQ(ScanUnsigned("007").value, 7u);  // leading zeros allowed by default
  EXPECT_EQ(ScanUnsigned("0000000000000000000000018446744073709551615").value, kMaxUint64);
}

TEST(ScanUnsigned, RefusesEverythingButDigits) {
  EXPECT_EQ(UnsignedProblem(""), NumberProblem::kEmpty);
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "+1", "-1", "-0", " 1", "1 ", "1\n", "\t1", "0x10", "1e3", "1.0", "1_000", "1,000", "١",
           "one", std::string_view("1\0", 2)}) {
    EXPECT_EQ(UnsignedProblem(bad), NumberProblem::kNotDecimal) << bad;
  }
}

TEST(ScanUnsigned, Overflow) {
  EXPECT_EQ(UnsignedProblem("18446744073709551616"), NumberProblem::kOutOfRange);
  EXPECT_EQ(UnsignedProblem("99999999999999999999"), NumberProblem::kOutOfRange);
  EXPECT_EQ(UnsignedProblem("123456789012345678901234567890"), NumberProblem::kOutOfRange);
}

TEST(ScanUnsigned, Range) {
  EXPECT_EQ(ScanUnsigned("65535", 1, 65535).value, 65535u);
  EXPECT_EQ(ScanUnsigned("1", 1, 65535).value, 1u);
  EXPECT_EQ(UnsignedProblem("0", 1, 65535), NumberProblem::kOutOfRange);
  EXPECT_EQ(UnsignedProblem("65536", 1, 65535), NumberProblem::kOutOfRange);
  EXPECT_EQ(ScanUnsigned("65536", 1, 65535).value, 0u);  // no value with a problem
}

TEST(ScanUnsigned, LeadingZerosRefused) {
  constexpr auto kRefused = LeadingZeros::kRefused;
  EXPECT_EQ(ScanUnsigned("0", 0, kMaxUint64, kRefused).value, 0u);
  EXPECT_EQ(ScanUnsigned("10", 0, kMaxUint64, kRefused).value, 10u);
  EXPECT_EQ(UnsignedProblem("00", 0, kMaxUint64, kRefused), NumberProblem::kLeadingZero);
  EXPECT_EQ(UnsignedProblem("05", 0, kMaxUint64, kRefused), NumberProblem::kLeadingZero);
  // The order of problems: a non-digit is named before a leading zero, which is named
  // before the range.
  EXPECT_EQ(UnsignedProblem("0x", 0, kMaxUint64, kRefused), NumberProblem::kNotDecimal);
  EXPECT_EQ(UnsignedProblem("0999", 0, 10, kRefused), NumberProblem::kLeadingZero);
}

TEST(ScanSigned, SignsAndRange) {
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(ScanSigned("-42", kMin, kMax).value, -42);
  EXPECT_EQ(ScanSigned("42", kMin, kMax).value, 42);
  EXPECT_EQ(ScanSigned("-0", kMin, kMax).value, 0);
  EXPECT_EQ(ScanSigned("9223372036854775807", kMin, kMax).value, kMax);
  EXPECT_EQ(ScanSigned("-9223372036854775808", kMin, kMax).value, kMin);
  EXPECT_EQ(ScanSigned("9223372036854775808", kMin, kMax).problem, NumberProblem::kOutOfRange);
  EXPECT_EQ(ScanSigned("-9223372036854775809", kMin, kMax).problem, NumberProblem::kOutOfRange);
  EXPECT_EQ(ScanSigned("-99999999999999999999", kMin, kMax).problem, NumberProblem::kOutOfRange);
  EXPECT_EQ(ScanSigned("+1", kMin, kMax).problem, NumberProblem::kNotDecimal);
  EXPECT_EQ(ScanSigned("-", kMin, kMax).problem, NumberProblem::kNotDecimal);
  EXPECT_EQ(ScanSigned("--1", kMin, kMax).problem, NumberProblem::kNotDecimal);
  EXPECT_EQ(ScanSigned("- 1", kMin, kMax).problem, NumberProblem::kNotDecimal);
  EXPECT_EQ(ScanSigned("1-", kMin, kMax).problem, NumberProblem::kNotDecimal);
  EXPECT_EQ(ScanSigned("", kMin, kMax).problem, NumberProblem::kEmpty);
  EXPECT_EQ(ScanSigned("-5", -4, 4).problem, NumberProblem::kOutOfRange);
  EXPECT_EQ(ScanSigned("5", -4, 4).problem, NumberProblem::kOutOfRange);
  EXPECT_EQ(ScanSigned("-4", -4, 4).value, -4);
  EXPECT_EQ(ScanSigned("-007", -10, 10).value, -7);
  EXPECT_EQ(ScanSigned("-007", -10, 10, LeadingZeros::kRefused).problem,
            NumberProblem::kLeadingZero);
  EXPECT_EQ(ScanSigned("-0", -10, 10, LeadingZeros::kRefused).problem, NumberProblem::kLeadingZero);
  EXPECT_EQ(ScanSigned("0", -10, 10, LeadingZeros::kRefused).value, 0);
}

TEST(ScanOctal, Modes) {
  EXPECT_EQ(ScanOctal("0644").value, 0644u);
  EXPECT_EQ(ScanOctal("777").value, 0777u);
  EXPECT_EQ(ScanOctal("0").value, 0u);
  EXPECT_EQ(ScanOctal("8").problem, NumberProblem::kNotDecimal);
  EXPECT_EQ(ScanOctal("0o7").problem, NumberProblem::kNotDecimal);
  EXPECT_EQ(ScanOctal(" 7").problem, NumberProblem::kNotDecimal);
  EXPECT_EQ(ScanOctal("").problem, NumberProblem::kEmpty);
  EXPECT_EQ(ScanOctal("1000", 0777).problem, NumberProblem::kOutOfRange);
  EXPECT_EQ(ScanOctal("1777777777777777777777").value, kMaxUint64);
  EXPECT_EQ(ScanOctal("2000000000000000000000").problem, NumberProblem::kOutOfRange);
}

TEST(ParseUnsigned, Messages) {
  auto message = [](Result<std::uint64_t> r) {
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kBadInput);
    return r.error().message();
  };
  EXPECT_EQ(message(ParseUnsigned("", "the index")), "the index is empty");
  EXPECT_EQ(message(ParseUnsigned("1a", "the index")), "the index is not a decimal number");
  EXPECT_EQ(message(ParseUnsigned("01", "the index", 0, kMaxUint64, LeadingZeros::kRefused)),
            "the index has a leading zero");
  EXPECT_EQ(message(ParseUnsigned("18446744073709551616", "the index")),
            "the index does not fit in 64 bits");
  EXPECT_EQ(message(ParseUnsigned("70000", "the port", 1, 65535)),
            "the port is out of range (1 to 65535)");
  auto ok = ParseUnsigned("8080", "the port", 1, 65535);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 8080u);
}

TEST(ParseSigned, Messages) {
  auto r = ParseSigned("-11", "the offset", -10, 10);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "the offset is out of range (-10 to 10)");
  auto ok = ParseSigned("-10", "the offset", -10, 10);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, -10);
}

}  // namespace
}  // namespace vigil
