// UTC date and time formatting: RFC 3339 timestamps (with or without a fraction of a second)
// and the compact ISO 8601 form, computed from the Unix time without the C library's time
// zone machinery (no gmtime_r, no strftime), for any 64-bit second count.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

// A civil date and time of day in UTC (proleptic Gregorian calendar).
struct UtcDateTime {
  std::int64_t year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
  unsigned hour = 0;
  unsigned minute = 0;
  unsigned second = 0;
};

// The UTC date and time `unix_seconds` after 1970-01-01T00:00:00Z (negative is before).
UtcDateTime UtcFromUnixSeconds(std::int64_t unix_seconds);

// Digits of a second's fraction written after the seconds (truncated, never rounded).
enum class SubSecond { kNone, kMillis, kMicros };

// RFC 3339 in UTC with a "Z": "2023-11-14T22:13:20Z", "2023-11-14T22:13:20.123Z" (kMillis)
// or "2023-11-14T22:13:20.123456Z" (kMicros).
std::string FormatRfc3339Utc(std::chrono::system_clock::time_point when, SubSecond fraction);

// RFC 3339 for whole seconds with the offset written "+00:00", as Rust chrono's
// DateTime<Utc>::to_rfc3339 writes it: "2023-11-14T22:13:20+00:00". Years outside 0000-9999
// are written with a sign and at least four digits ("+10000", "-0001"), as chrono does.
std::string FormatRfc3339Offset(std::int64_t unix_seconds);

// "YYYY-MM-DDTHH:MM:SSZ" for whole seconds (any year ParseRfc3339UtcSeconds reads; a
// system_clock time point in nanoseconds could not reach past 2262).
std::string FormatRfc3339UtcSeconds(std::int64_t unix_seconds);

// Whole seconds since the epoch for exactly "YYYY-MM-DDTHH:MM:SSZ" (years 0000-9999, a real
// calendar date, no leap second, no fraction, no offset but Z); nullopt for anything else.
std::optional<std::int64_t> ParseRfc3339UtcSeconds(std::string_view text);

// The compact (basic) ISO 8601 form, whole seconds: "20231114T221320Z".
std::string FormatCompactUtc(std::chrono::system_clock::time_point when);

}  // namespace vigil
