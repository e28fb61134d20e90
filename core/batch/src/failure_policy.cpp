#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "stopd/batch/batch_plan.hpp"

namespace stopd::core {

bool FailurePolicy::exceeded(std::size_t failed, std::size_t total) const {
  if (max_failures && failed > *max_failures) return true;
  if (max_failure_percent)
    return static_cast<double>(failed) * 100.0 >
           *max_failure_percent * static_cast<double>(total) + 1e-9;
  return false;
}

std::optional<FailurePolicy> FailurePolicy::from_limit(std::string_view text) {
  const bool percent = !text.empty() && text.back() == '%';
  const std::string number(percent ? text.substr(0, text.size() - 1) : text);
  std::size_t used = 0;
  double value = -1;
  try {
    value = std::stod(number, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const bool whole = number.find_first_not_of("0123456789") == std::string::npos;
  if (used == 0 || used != number.size() || value < 0 || (percent && value > 100) ||
      (!percent && !whole))
    return std::nullopt;
  FailurePolicy policy;
  if (percent)
    policy.max_failure_percent = value;
  else
    policy.max_failures = static_cast<std::size_t>(value);
  return policy;
}

std::string FailurePolicy::describe() const {
  if (max_failures) {
    if (*max_failures == 0) return "halt on the first failure";
    return "halt past " + std::to_string(*max_failures) + " failure" +
           (*max_failures == 1 ? "" : "s");
  }
  if (max_failure_percent) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", *max_failure_percent);
    return std::string("halt past ") + text + "% failures";
  }
  return "continue";
}

}  // namespace stopd::core
