#include "stop_mode_choice.hpp"

#include <algorithm>

namespace stopd::huaweicloud::cdm {

StopMode choose_stop_mode(const sdk::StopRequest& request, const sdk::StopContext& context) {
  StopMode mode;
  const auto force_at = context.force_at();
  if (request.mode == sdk::Mode::immediate || context.force_due()) {
    mode.immediately = true;
    return mode;
  }
  if (force_at == sdk::StopContext::Clock::time_point::max()) {
    mode.delay_seconds = -1;  // drain: CDM waits for the jobs and accepts no new ones
    return mode;
  }
  const auto left = force_at - sdk::StopContext::Clock::now();
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(left).count();
  mode.delay_seconds = static_cast<int>(std::clamp<long long>(seconds, 1, 7 * 24 * 3600));
  return mode;
}

}  // namespace stopd::huaweicloud::cdm
