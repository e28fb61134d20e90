// When to try a request again and how long to wait first. Retried: 429, 500, 502, 503, 504 and
// the gateway's throttling code APIGW.0308, and transport failures that never reached the
// service. The wait is exponential with jitter (half fixed, half random, so a burst of callers
// spreads out), at least what the service asked for in Retry-After.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string_view>

namespace stopd::huaweicloud {

struct RetrySettings {
  unsigned max_attempts = 5;  // including the first
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(5)};
};

bool is_retryable_status(long status);

// For the retry after `attempt` (1 = after the first attempt): in
// [base/2, base] with base = min(max_backoff, initial_backoff * 2^(attempt-1)), and never less
// than `retry_after`.
std::chrono::milliseconds backoff_delay(const RetrySettings& settings, unsigned attempt,
                                        std::optional<std::chrono::milliseconds> retry_after,
                                        std::mt19937_64& random);

// A Retry-After header: delay-seconds ("3") or an HTTP date. nullopt if unparsable or absent.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace stopd::huaweicloud
