#include <spdlog/spdlog.h>

#include "lock_pool.hpp"
#include "plugin_output.hpp"
#include "stop_flight.hpp"
#include "stopd/core/bounded_json.hpp"
#include "stopd/core/logging.hpp"

namespace stopd::core {

void AttemptContext::on_change(std::function<void()> callback) {
  std::lock_guard lock(pooled_lock(this).mutex);
  callback_.swap(callback);  // the replaced one is destroyed after the lock
}

void AttemptContext::notify_change() {
  if (completed_.load()) return;
  std::function<void()> callback;
  {
    std::lock_guard lock(pooled_lock(this).mutex);
    callback = callback_;
  }
  if (!callback) return;
  try {
    callback();
  } catch (const std::exception& e) {
    events_->logger().error("stop={} type={} the provider's change callback threw: {}", flight_->id,
                            flight_->type(), e.what());
  } catch (...) {
    events_->logger().error("stop={} type={} the provider's change callback threw", flight_->id,
                            flight_->type());
  }
}

void AttemptContext::progress(std::string_view phase, const nlohmann::json& facts) {
  if (completed_.load()) return;
  if (is_json_safe(facts) && !invalid_utf8_at(phase)) {
    events_->attempt_progress(*flight_, attempt_, phase, facts);
    return;
  }
  nlohmann::json contained = facts;  // copied only when it needs repair
  contain_json(contained, flight_->type(), "progress facts");
  events_->attempt_progress(*flight_, attempt_, repair_utf8(phase), contained);
}

void AttemptContext::log(sdk::LogLevel level, std::string_view message) {
  events_->logger().log(to_spdlog_level(level), "stop={} type={} attempt={} {}", flight_->id,
                        flight_->type(), attempt_, message);
}

void AttemptContext::complete(sdk::StopOutcome outcome) {
  if (completed_.exchange(true)) {
    events_->logger().warn(
        "stop={} type={} the provider completed attempt {} more than once; ignored", flight_->id,
        flight_->type(), attempt_);
    return;
  }
  std::function<void()> dropped;
  {
    // A completed attempt no longer hears about changes; drop the provider's callback (and
    // whatever it captured) now rather than when the last reference goes. Destroyed after the
    // lock: its captures' destructors are the provider's code.
    std::lock_guard lock(pooled_lock(this).mutex);
    dropped.swap(callback_);
  }
  contain_outcome(outcome, flight_->type());
  events_->attempt_completed(flight_, attempt_, std::move(outcome));
}

}  // namespace stopd::core
