#include "stopd/core/time_format.hpp"

#include <cstdio>
#include <ctime>

namespace stopd::core {

std::string rfc3339_utc(std::chrono::system_clock::time_point at) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  // Floor division, so times before 1970 still print the right second.
  const auto seconds = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const auto millis = ms - static_cast<long long>(seconds) * 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[48];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03lldZ", static_cast<long long>(millis));
  return text;
}

}  // namespace stopd::core
