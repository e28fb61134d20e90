// The durations stopctl takes on its command line (--grace, --deadline, --timeout): seconds,
// fractions allowed ("5", "0.5", "2.5s"), checked so that a typo is a usage error naming the option
// instead of a surprising schedule.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace stopd::cli {

// The largest duration accepted: 30 days.
inline constexpr double kMaxSeconds = 30.0 * 24 * 3600;

// "--grace": seconds >= 0, or "unbounded" (drain until the resource finishes; nullopt).
// Throws CliError(usage) naming --grace and what was expected.
std::optional<std::chrono::milliseconds> parse_grace(std::string_view text);

// "--deadline": seconds > 0. Throws CliError(usage) naming --deadline.
std::chrono::milliseconds parse_deadline(std::string_view text);

// "--timeout": seconds > 0. Throws CliError(usage) naming --timeout.
std::chrono::milliseconds parse_timeout(std::string_view text);

}  // namespace stopd::cli
