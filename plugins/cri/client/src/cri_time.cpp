#include "stopd/cri/cri_time.hpp"

#include <cstdio>
#include <ctime>

namespace stopd::cri {

std::string rfc3339_from_nanoseconds(std::int64_t nanoseconds) {
  if (nanoseconds <= 0) return {};
  const std::time_t seconds = static_cast<std::time_t>(nanoseconds / 1'000'000'000);
  const long fraction = static_cast<long>(nanoseconds % 1'000'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char with_fraction[96];
  std::snprintf(with_fraction, sizeof with_fraction, "%.*s.%09ldZ", static_cast<int>(length), text,
                fraction);
  return with_fraction;
}

}  // namespace stopd::cri
