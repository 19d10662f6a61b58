#include "base/time.h"

#include <utility>

namespace vigil {
namespace {

constexpr std::int64_t kSecondsPerDay = 86400;

// `value` in decimal, zero-padded on the left to `width` digits.
std::string ZeroPadded(std::uint64_t value, std::size_t width) {
  std::string digits = std::to_string(value);
  return digits.size() >= width ? digits : std::string(width - digits.size(), '0') + digits;
}

// Four digits for years 0000-9999; a sign and at least four digits otherwise.
std::string Year(std::int64_t year) {
  if (year >= 0 && year <= 9999) return ZeroPadded(static_cast<std::uint64_t>(year), 4);
  const std::uint64_t magnitude =
      year < 0 ? 0 - static_cast<std::uint64_t>(year) : static_cast<std::uint64_t>(year);
  return (year < 0 ? "-" : "+") + ZeroPadded(magnitude, 4);
}

// "YYYY-MM-DDTHH:MM:SS" with `date_separator` between the date's parts and `time_separator`
// between the time's.
std::string DateAndTime(const UtcDateTime& t, const char* date_separator,
                        const char* time_separator) {
  return Year(t.year) + date_separator + ZeroPadded(t.month, 2) + date_separator +
         ZeroPadded(t.day, 2) + "T" + ZeroPadded(t.hour, 2) + time_separator +
         ZeroPadded(t.minute, 2) + time_separator + ZeroPadded(t.second, 2);
}

// Whole seconds and microseconds (0..999999) since the epoch, rounded towards the past.
std::pair<std::int64_t, std::int64_t> SplitMicros(std::chrono::system_clock::time_point when) {
  const std::int64_t micros =
      std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  std::int64_t seconds = micros / 1'000'000;
  std::int64_t rest = micros % 1'000'000;
  if (rest < 0) {
    rest += 1'000'000;
    seconds -= 1;
  }
  return {seconds, rest};
}

// Days since 1970-01-01 of a civil date: H. Hinnant's days_from_civil.
std::int64_t DaysFromCivil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t yoe = year - era * 400;
  const std::int64_t mp = month > 2 ? month - 3 : month + 9;
  const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// The digits at text[at, at + count) as a number, or nullopt.
std::optional<unsigned> Digits(std::string_view text, std::size_t at, std::size_t count) {
  unsigned value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return value;
}

}  // namespace

std::string FormatRfc3339UtcSeconds(std::int64_t unix_seconds) {
  return DateAndTime(UtcFromUnixSeconds(unix_seconds), "-", ":") + "Z";
}

std::optional<std::int64_t> ParseRfc3339UtcSeconds(std::string_view text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return std::nullopt;
  }
  const auto year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  const auto hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  const std::int64_t days = DaysFromCivil(*year, *month, *day);
  // A day past the month's end (Feb 30) comes back as another date.
  const UtcDateTime check = UtcFromUnixSeconds(days * kSecondsPerDay);
  if (check.day != *day || check.month != *month) return std::nullopt;
  return days * kSecondsPerDay + *hour * 3600 + *minute * 60 + *second;
}

// Days to a civil date is H. Hinnant's civil_from_days.
UtcDateTime UtcFromUnixSeconds(std::int64_t unix_seconds) {
  std::int64_t days = unix_seconds / kSecondsPerDay;
  std::int64_t rest = unix_seconds % kSecondsPerDay;
  if (rest < 0) {
    rest += kSecondsPerDay;
    days -= 1;
  }
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  UtcDateTime t;
  t.day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  t.month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  t.year = yoe + era * 400 + (t.month <= 2 ? 1 : 0);
  t.hour = static_cast<unsigned>(rest / 3600);
  t.minute = static_cast<unsigned>(rest / 60 % 60);
  t.second = static_cast<unsigned>(rest % 60);
  return t;
}

std::string FormatRfc3339Utc(std::chrono::system_clock::time_point when, SubSecond fraction) {
  const auto [seconds, micros] = SplitMicros(when);
  std::string text = DateAndTime(UtcFromUnixSeconds(seconds), "-", ":");
  switch (fraction) {
    case SubSecond::kNone:
      break;
    case SubSecond::kMillis:
      text += "." + ZeroPadded(static_cast<std::uint64_t>(micros / 1000), 3);
      break;
    case SubSecond::kMicros:
      text += "." + ZeroPadded(static_cast<std::uint64_t>(micros), 6);
      break;
  }
  return text + "Z";
}

std::string FormatRfc3339Offset(std::int64_t unix_seconds) {
  return DateAndTime(UtcFromUnixSeconds(unix_seconds), "-", ":") + "+00:00";
}

std::string FormatCompactUtc(std::chrono::system_clock::time_point when) {
  return DateAndTime(UtcFromUnixSeconds(SplitMicros(when).first), "", "") + "Z";
}

}  // namespace vigil
