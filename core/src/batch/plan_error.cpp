#include "stopd/core/batch_plan.hpp"

namespace stopd::core {

PlanError::PlanError(std::vector<std::string> problems)
    : std::runtime_error(problems.empty() ? std::string("invalid plan")
                         : problems.size() == 1
                             ? problems.front()
                             : problems.front() + " (and " + std::to_string(problems.size() - 1) +
                                   " more)"),
      problems_(std::move(problems)) {}

}  // namespace stopd::core
