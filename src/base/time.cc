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

}  // namespace

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
