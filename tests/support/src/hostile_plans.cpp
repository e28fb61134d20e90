#include "stopd/test/hostile_plans.hpp"

namespace stopd::test {

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string billion_laughs_plan(const std::string& type) {
  const std::string names = "abcdefghij";
  std::string plan = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (std::size_t i = 1; i < names.size(); ++i) {
    const std::string previous = std::string("*") + names[i - 1];
    plan += std::string(1, names[i]) + ": &" + names[i] + " [" + previous;
    for (int k = 1; k < 10; ++k) plan += ", " + previous;
    plan += "]\n";
  }
  return plan + "steps: [{name: s, type: " + type + ", target: {pid: *j}}]\n";
}

std::string needs_cycle_plan(std::size_t steps, const std::string& type) {
  std::string plan = "steps:\n";
  for (std::size_t i = 0; i < steps; ++i)
    plan += "- {name: s" + std::to_string(i) + ", type: " + type + ", target: {pid: 1}, needs: [s" +
            std::to_string((i + 1) % steps) + "]}\n";
  return plan;
}

}  // namespace stopd::test
