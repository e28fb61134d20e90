#include "plan_dependencies.hpp"

#include <algorithm>
#include <functional>

namespace stopd::core::batch {
namespace {

std::string step_label(const BatchPlan& plan, std::size_t index) {
  return "step '" + plan.steps[index].name + "'";
}

// The first cycle reachable among `edges`, as the steps on it with the first repeated at the
// end; empty when there is none.
std::vector<std::size_t> find_cycle(const std::vector<std::vector<std::size_t>>& edges) {
  enum class Mark { unvisited, on_path, done };
  std::vector<Mark> marks(edges.size(), Mark::unvisited);
  std::vector<std::size_t> path;
  std::vector<std::size_t> cycle;
  // Recursion depth is bounded by the number of steps, which a plan keeps human-sized.
  std::function<bool(std::size_t)> visit = [&](std::size_t step) {
    marks[step] = Mark::on_path;
    path.push_back(step);
    for (std::size_t next : edges[step]) {
      if (marks[next] == Mark::on_path) {
        const auto start = std::find(path.begin(), path.end(), next);
        cycle.assign(start, path.end());
        cycle.push_back(next);
        return true;
      }
      if (marks[next] == Mark::unvisited && visit(next)) return true;
    }
    path.pop_back();
    marks[step] = Mark::done;
    return false;
  };
  for (std::size_t step = 0; step < edges.size(); ++step)
    if (marks[step] == Mark::unvisited && visit(step)) return cycle;
  return {};
}

}  // namespace

std::vector<std::string> dependency_problems(const BatchPlan& plan, std::string_view source) {
  std::vector<std::string> problems;
  const std::string prefix = std::string(source) + ": ";
  std::vector<std::vector<std::size_t>> edges(plan.steps.size());
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const BatchStep& step = plan.steps[i];
    for (const std::string& need : step.needs) {
      const auto needed = plan.find_step(need);
      if (!needed) {
        problems.push_back(prefix + step_label(plan, i) + ": needs: no step is called '" + need +
                           "'");
        continue;
      }
      if (*needed == i) {
        problems.push_back(prefix + step_label(plan, i) + ": needs: a step cannot need itself");
        continue;
      }
      const BatchStep& other = plan.steps[*needed];
      if (other.wave > step.wave) {
        problems.push_back(prefix + step_label(plan, i) + " (wave " + plan.waves[step.wave] +
                           ") needs step '" + need + "', which is in the later wave " +
                           plan.waves[other.wave] + ": it could never run");
        continue;
      }
      edges[i].push_back(*needed);
    }
  }
  if (const auto cycle = find_cycle(edges); !cycle.empty()) {
    std::string chain;
    for (std::size_t step : cycle) chain += (chain.empty() ? "" : " → ") + plan.steps[step].name;
    problems.push_back(prefix + "needs form a cycle, so none of these steps could run: " + chain);
  }
  return problems;
}

}  // namespace stopd::core::batch
