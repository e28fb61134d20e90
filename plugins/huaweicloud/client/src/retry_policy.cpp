#include "stopd/huaweicloud/retry_policy.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <string>

namespace stopd::huaweicloud {

bool is_retryable_status(long status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::chrono::milliseconds backoff_delay(const RetrySettings& settings, unsigned attempt,
                                        std::optional<std::chrono::milliseconds> retry_after,
                                        std::mt19937_64& random) {
  const unsigned doublings = std::min(attempt > 0 ? attempt - 1 : 0U, 20U);
  const std::chrono::milliseconds base = std::min<std::chrono::milliseconds>(
      settings.max_backoff, settings.initial_backoff * (1LL << doublings));
  const auto half = base.count() / 2;
  std::uniform_int_distribution<long long> jitter(0, std::max<long long>(0, base.count() - half));
  const std::chrono::milliseconds delay(half + jitter(random));
  return retry_after ? std::max(delay, *retry_after) : delay;
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\r' || value.back() == '\n'))
    value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  long long seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size())
    return std::chrono::milliseconds(std::clamp(seconds, 0LL, 24LL * 3600) * 1000);
  const std::string date(value);
  const time_t when = curl_getdate(date.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const auto delta = std::chrono::system_clock::from_time_t(when) - now;
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(delta));
}

}  // namespace stopd::huaweicloud
