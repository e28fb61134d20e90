// `jobs list --since` and `--until`: a moment, as a duration back from now ("90s", "15m", "2h",
// "7d", "1h30m"; a bare number is seconds) or a point in time (RFC 3339: "2026-11-22T05:00:00Z",
// "2026-11-22T07:00:00+02:00", fractions of a second allowed, a zone required; a bare date
// "2026-11-22" is midnight UTC; years 1970 to 2200).
#pragma once

#include <chrono>
#include <string_view>

namespace stopd::cli {

// The moment `text` names. Throws CliError(usage) naming `flag` (--since, --until) and the
// accepted spellings.
std::chrono::system_clock::time_point parse_moment(std::string_view flag, std::string_view text,
                                                   std::chrono::system_clock::time_point now);

}  // namespace stopd::cli
