// `jobs list --since`: how far back to look, as a duration ("90s", "15m", "2h", "7d", "1h30m";
// a bare number is seconds) or a point in time (RFC 3339: "2026-11-22T05:00:00Z",
// "2026-11-22T07:00:00+02:00", fractions of a second allowed, a zone required; a bare date
// "2026-11-22" is midnight UTC; years 1970 to 2200).
#pragma once

#include <chrono>
#include <string_view>

namespace stopd::cli {

// The earliest creation time to list. Throws CliError(usage) naming --since and the accepted
// spellings.
std::chrono::system_clock::time_point parse_since(std::string_view text,
                                                  std::chrono::system_clock::time_point now);

}  // namespace stopd::cli
