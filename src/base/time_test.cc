#include "base/time.h"

#include <gtest/gtest.h>

#include <limits>

namespace vigil {
namespace {

using std::chrono::system_clock;

system_clock::time_point At(std::int64_t seconds, std::int64_t micros = 0) {
  return system_clock::time_point(std::chrono::duration_cast<system_clock::duration>(
      std::chrono::seconds(seconds) + std::chrono::microseconds(micros)));
}

TEST(UtcFromUnixSeconds, KnownDates) {
  UtcDateTime epoch = UtcFromUnixSeconds(0);
  EXPECT_EQ(epoch.year, 1970);
  EXPECT_EQ(epoch.month, 1u);
  EXPECT_EQ(epoch.day, 1u);
  UtcDateTime t = UtcFromUnixSeconds(1700000000);
  EXPECT_EQ(t.year, 2023);
  EXPECT_EQ(t.month, 11u);
  EXPECT_EQ(t.day, 14u);
  EXPECT_EQ(t.hour, 22u);
  EXPECT_EQ(t.minute, 13u);
  EXPECT_EQ(t.second, 20u);
  UtcDateTime leap = UtcFromUnixSeconds(951782400);  // 2000-02-29 (a 400-year leap day)
  EXPECT_EQ(leap.year, 2000);
  EXPECT_EQ(leap.month, 2u);
  EXPECT_EQ(leap.day, 29u);
  UtcDateTime before = UtcFromUnixSeconds(-1);
  EXPECT_EQ(before.year, 1969);
  EXPECT_EQ(before.month, 12u);
  EXPECT_EQ(before.day, 31u);
  EXPECT_EQ(before.second, 59u);
}

TEST(FormatRfc3339Utc, Precisions) {
  const auto when = At(1700000000, 123456);
  EXPECT_EQ(FormatRfc3339Utc(when, SubSecond::kNone), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatRfc3339Utc(when, SubSecond::kMillis), "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(FormatRfc3339Utc(when, SubSecond::kMicros), "2023-11-14T22:13:20.123456Z");
  // Fractions are truncated, not rounded, and padded.
  EXPECT_EQ(FormatRfc3339Utc(At(1700000000, 999999), SubSecond::kMillis),
            "2023-11-14T22:13:20.999Z");
  EXPECT_EQ(FormatRfc3339Utc(At(1700000000, 7), SubSecond::kMicros), "2023-11-14T22:13:20.000007Z");
  EXPECT_EQ(FormatRfc3339Utc(At(0), SubSecond::kMillis), "1970-01-01T00:00:00.000Z");
  // Before the epoch the fraction still counts forward from the whole second.
  EXPECT_EQ(FormatRfc3339Utc(At(0, -1), SubSecond::kMicros), "1969-12-31T23:59:59.999999Z");
}

TEST(FormatRfc3339Offset, ChronoStyle) {
  EXPECT_EQ(FormatRfc3339Offset(1700000000), "2023-11-14T22:13:20+00:00");
  EXPECT_EQ(FormatRfc3339Offset(0), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(FormatRfc3339Offset(253402300799), "9999-12-31T23:59:59+00:00");
  EXPECT_EQ(FormatRfc3339Offset(253402300800), "+10000-01-01T00:00:00+00:00");
  EXPECT_EQ(FormatRfc3339Offset(-62167219200), "0000-01-01T00:00:00+00:00");
  EXPECT_EQ(FormatRfc3339Offset(-62167219201), "-0001-12-31T23:59:59+00:00");
}

TEST(FormatRfc3339Offset, ExtremesDoNotOverflow) {
  EXPECT_FALSE(FormatRfc3339Offset(std::numeric_limits<std::int64_t>::max()).empty());
  EXPECT_FALSE(FormatRfc3339Offset(std::numeric_limits<std::int64_t>::min()).empty());
}

TEST(FormatCompactUtc, BasicForm) {
  EXPECT_EQ(FormatCompactUtc(At(1700000000, 999999)), "20231114T221320Z");
  EXPECT_EQ(FormatCompactUtc(At(0)), "19700101T000000Z");
}

TEST(ParseRfc3339UtcSeconds, ExactFormOnly) {
  EXPECT_EQ(ParseRfc3339UtcSeconds("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseRfc3339UtcSeconds("2023-11-14T22:13:20Z"), 1700000000);
  EXPECT_EQ(ParseRfc3339UtcSeconds("2024-02-29T00:00:00Z"), 1709164800);
  EXPECT_EQ(ParseRfc3339UtcSeconds("1969-12-31T23:59:59Z"), -1);
  for (std::int64_t t : {0ll, 951782400ll, 4102444799ll, 1700000000ll}) {
    EXPECT_EQ(ParseRfc3339UtcSeconds(FormatRfc3339Utc(At(t), SubSecond::kNone)), t);
  }
  EXPECT_EQ(FormatRfc3339UtcSeconds(*ParseRfc3339UtcSeconds("6949-12-11T23:41:54Z")),
            "6949-12-11T23:41:54Z");
  EXPECT_EQ(FormatRfc3339UtcSeconds(*ParseRfc3339UtcSeconds("9999-12-31T23:59:59Z")),
            "9999-12-31T23:59:59Z");
  for (const char* bad :
       {"2023-02-29T00:00:00Z", "2023-13-01T00:00:00Z", "2023-11-14T24:00:00Z",
        "2023-11-14T22:13:60Z", "2023-11-14T22:13:20+00:00", "2023-11-14T22:13:20.1Z",
        "2023-11-14 22:13:20Z", "2023-11-14T22:13:20z", "+2023-11-14T22:13:2Z", ""}) {
    EXPECT_FALSE(ParseRfc3339UtcSeconds(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace vigil
