#include "stopd/huaweicloud/call_scope.hpp"

#include <algorithm>
#include <thread>

namespace stopd::huaweicloud {

bool sleep_within(const CallScope& scope, Clock::time_point until) {
  // The context offers one change callback, which the plugin may need for itself; a short
  // polling slice keeps cancellation prompt without taking it.
  constexpr auto kSlice = std::chrono::milliseconds(25);
  for (;;) {
    if (scope.cancelled()) return false;
    const auto now = Clock::now();
    const auto end = std::min(until, scope.deadline());
    if (now >= end) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(kSlice, end - now));
  }
}

}  // namespace stopd::huaweicloud
