#include "stopd/cli/seconds_argument.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "stopd/cli/cli_error.hpp"
#include "stopd/cli/render.hpp"

namespace stopd::cli {
namespace {

// Seconds as written: a decimal number with an optional "s" suffix. nullopt for anything else
// (including "inf", "nan" and trailing garbage).
std::optional<double> parse_seconds(std::string_view text) {
  if (text.ends_with('s')) text.remove_suffix(1);
  if (text.empty()) return std::nullopt;
  // from_chars accepts neither a leading '+' nor, importantly, a leading space; a '-' it does
  // accept, and the range check below refuses it.
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::chrono::milliseconds to_milliseconds(double seconds) {
  return std::chrono::milliseconds(std::llround(seconds * 1000.0));
}

std::string got(std::string_view text) {
  return "got '" + shorten(text, 40) + "'";
}

std::chrono::milliseconds parse_positive(std::string_view option, std::string_view text) {
  const auto seconds = parse_seconds(text);
  if (!seconds || *seconds <= 0 || *seconds > kMaxSeconds)
    throw usage_error(std::string(option) +
                      ": expected a number of seconds > 0 (such as 60 or 1.5, at most 2592000), " +
                      got(text));
  return std::max(to_milliseconds(*seconds), std::chrono::milliseconds(1));
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_grace(std::string_view text) {
  if (text == "unbounded") return std::nullopt;
  const auto seconds = parse_seconds(text);
  if (!seconds || *seconds < 0 || *seconds > kMaxSeconds)
    throw usage_error(
        "--grace: expected a number of seconds >= 0 (such as 10 or 0.5, at most 2592000) or "
        "'unbounded', " +
        got(text));
  return to_milliseconds(*seconds);
}

std::chrono::milliseconds parse_deadline(std::string_view text) {
  return parse_positive("--deadline", text);
}

std::chrono::milliseconds parse_timeout(std::string_view text) {
  return parse_positive("--timeout", text);
}

}  // namespace stopd::cli
