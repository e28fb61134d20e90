#include "request_validation.hpp"

namespace stopd::core {

std::optional<std::string> validate_request(const RegisteredProvider& provider,
                                            const sdk::StopRequest& request,
                                            std::size_t target_bytes) {
  if (!request.target.is_object()) return "target: expected an object of key/value pairs";
  if (target_bytes > kMaxTargetBytes)
    return "target: " + std::to_string(target_bytes) + " bytes exceeds the limit of " +
           std::to_string(kMaxTargetBytes);
  if (!request.options.is_null() && !request.options.is_object())
    return "options: expected an object";
  if (auto error = provider.target_schema.validate(request.target, "target")) return error;
  if (!request.options.is_null() && !request.options.empty()) {
    std::size_t options_bytes = 0;
    try {
      options_bytes = request.options.dump().size();
    } catch (const nlohmann::json::type_error&) {
      return "options: contains a string that is not valid UTF-8";
    }
    if (options_bytes > kMaxOptionsBytes)
      return "options: larger than the limit of " + std::to_string(kMaxOptionsBytes) + " bytes";
    if (auto error = provider.options_schema.validate(request.options, "options")) return error;
  }
  if (request.mode == sdk::Mode::graceful) {
    if (request.grace && request.grace->count() < 0)
      return "grace: expected a number of seconds >= 0, got " +
             std::to_string(static_cast<double>(request.grace->count()) / 1000.0);
    if (!request.grace && !provider.info.capabilities.drain)
      return "grace: unbounded (drain until the work is done) is not supported by " +
             provider.name() + "; give a number of seconds";
  }
  return std::nullopt;
}

Schedule schedule_for(sdk::Mode mode, std::optional<std::chrono::milliseconds> grace,
                      const SubmitOptions& submit, const DispatcherOptions& options,
                      std::chrono::steady_clock::time_point now) {
  Schedule schedule{};
  if (mode == sdk::Mode::immediate) {
    schedule.force_at = now;
    schedule.deadline = now + options.deadline_margin;
  } else if (grace) {
    schedule.force_at = now + *grace;
    schedule.deadline = schedule.force_at + options.deadline_margin;
  } else {
    schedule.force_at = std::chrono::steady_clock::time_point::max();
    schedule.deadline = now + options.drain_deadline;
  }
  if (submit.deadline) schedule.deadline = *submit.deadline;
  return schedule;
}

}  // namespace stopd::core
