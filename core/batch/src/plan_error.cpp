#include "stopd/batch/batch_plan.hpp"

namespace stopd::core {
namespace {

// Enough to fix a plan in a few rounds; a plan with 100,000 broken steps must not make a
// 100,000-line message (it travels in gRPC's trailers, and a person reads it).
constexpr std::size_t kMaxProblemsKept = 20;

std::vector<std::string> first_problems(std::vector<std::string> problems) {
  if (problems.size() <= kMaxProblemsKept) return problems;
  const std::size_t left_out = problems.size() - kMaxProblemsKept;
  problems.resize(kMaxProblemsKept);
  problems.push_back("… and " + std::to_string(left_out) + " more problem" +
                     (left_out == 1 ? "" : "s"));
  return problems;
}

std::string summary(const std::vector<std::string>& problems) {
  if (problems.empty()) return "invalid plan";
  if (problems.size() == 1) return problems.front();
  return problems.front() + " (and " + std::to_string(problems.size() - 1) + " more)";
}

}  // namespace

PlanError::PlanError(std::vector<std::string> problems)
    : std::runtime_error(summary(problems)), problems_(first_problems(std::move(problems))) {}

}  // namespace stopd::core
