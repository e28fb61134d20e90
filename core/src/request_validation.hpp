// Everything the dispatcher checks before a request reaches a provider, and the schedule
// (when to force, when to give up) it derives from the request.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "stopd/core/dispatcher.hpp"
#include "stopd/core/registry.hpp"
#include "stopd/sdk/request.hpp"

namespace stopd::core {

// nullopt when the request may proceed; else a message naming the field.
std::optional<std::string> validate_request(const RegisteredProvider& provider,
                                            const sdk::StopRequest& request,
                                            std::size_t target_bytes);

struct Schedule {
  std::chrono::steady_clock::time_point force_at;
  std::chrono::steady_clock::time_point deadline;
};

// The schedule depends only on the request's mode and grace.
Schedule schedule_for(sdk::Mode mode, std::optional<std::chrono::milliseconds> grace,
                      const SubmitOptions& submit, const DispatcherOptions& options,
                      std::chrono::steady_clock::time_point now);

inline Schedule schedule_for(const sdk::StopRequest& request, const SubmitOptions& submit,
                             const DispatcherOptions& options,
                             std::chrono::steady_clock::time_point now) {
  return schedule_for(request.mode, request.grace, submit, options, now);
}

}  // namespace stopd::core
