#include "stopd/huaweicloud/token_bucket.hpp"

#include <algorithm>
#include <stdexcept>

namespace stopd::huaweicloud {

TokenBucket::TokenBucket(double rate_per_second, double burst)
    : rate_(rate_per_second),
      burst_(std::max(1.0, burst)),
      tokens_(burst_),
      refilled_at_(Clock::now()) {
  if (!(rate_per_second > 0)) throw std::invalid_argument("the rate must be positive");
}

std::optional<TokenBucket::Clock::time_point> TokenBucket::reserve(Clock::time_point deadline) {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - refilled_at_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  refilled_at_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return now;
  }
  const auto wait = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>((1.0 - tokens_) / rate_));
  if (now + wait > deadline) return std::nullopt;
  tokens_ -= 1.0;
  return now + wait;
}

}  // namespace stopd::huaweicloud
