#include "plan_dependencies.hpp"

#include <algorithm>
#include <unordered_map>

#include "stopd/core/bounded_json.hpp"

namespace stopd::core::batch {
namespace {

// A cycle's message names this many steps at most: enough to find it in the plan, however long
// the cycle is (a message travels in gRPC's trailers, whose size is limited).
constexpr std::size_t kMaxCycleStepsShown = 8;

std::string step_label(const BatchPlan& plan, std::size_t index) {
  return "step '" + text_excerpt(plan.steps[index].name) + "'";
}

// The first cycle reachable among `edges`, as the steps on it with the first repeated at the
// end; empty when there is none. Depth-first with an explicit stack: a plan's steps are a
// caller's input, and a chain of 100,000 needs must not recurse 100,000 frames deep.
std::vector<std::size_t> find_cycle(const std::vector<std::vector<std::size_t>>& edges) {
  enum class Mark { unvisited, on_path, done };
  std::vector<Mark> marks(edges.size(), Mark::unvisited);
  struct Visit {
    std::size_t step;
    std::size_t next_edge;
  };
  std::vector<Visit> path;  // the steps on the current path, each with the edge to try next
  for (std::size_t start = 0; start < edges.size(); ++start) {
    if (marks[start] != Mark::unvisited) continue;
    marks[start] = Mark::on_path;
    path.push_back({start, 0});
    while (!path.empty()) {
      Visit& top = path.back();
      if (top.next_edge == edges[top.step].size()) {
        marks[top.step] = Mark::done;
        path.pop_back();
        continue;
      }
      const std::size_t next = edges[top.step][top.next_edge++];
      if (marks[next] == Mark::on_path) {
        std::vector<std::size_t> cycle;
        auto first = std::find_if(path.begin(), path.end(),
                                  [next](const Visit& v) { return v.step == next; });
        for (; first != path.end(); ++first) cycle.push_back(first->step);
        cycle.push_back(next);
        return cycle;
      }
      if (marks[next] == Mark::unvisited) {
        marks[next] = Mark::on_path;
        path.push_back({next, 0});  // `top` is not used after this
      }
    }
  }
  return {};
}

std::string cycle_text(const BatchPlan& plan, const std::vector<std::size_t>& cycle) {
  std::string chain;
  const std::size_t steps = cycle.size() - 1;  // the first is repeated at the end
  if (steps <= kMaxCycleStepsShown) {
    for (std::size_t step : cycle)
      chain += (chain.empty() ? "" : " → ") + text_excerpt(plan.steps[step].name);
    return chain;
  }
  for (std::size_t i = 0; i < kMaxCycleStepsShown; ++i)
    chain += (chain.empty() ? "" : " → ") + text_excerpt(plan.steps[cycle[i]].name);
  return chain + " → … and " + std::to_string(steps - kMaxCycleStepsShown) +
         " more steps, back to '" + text_excerpt(plan.steps[cycle.front()].name) + "'";
}

}  // namespace

std::vector<std::string> dependency_problems(const BatchPlan& plan, std::string_view source) {
  std::vector<std::string> problems;
  const std::string prefix = std::string(source) + ": ";
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(plan.steps.size());
  for (std::size_t i = 0; i < plan.steps.size(); ++i) index.emplace(plan.steps[i].name, i);
  std::vector<std::vector<std::size_t>> edges(plan.steps.size());
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const BatchStep& step = plan.steps[i];
    for (const std::string& need : step.needs) {
      const auto needed = index.find(need);
      if (needed == index.end()) {
        problems.push_back(prefix + step_label(plan, i) + ": needs: no step is called '" +
                           text_excerpt(need) + "'");
        continue;
      }
      if (needed->second == i) {
        problems.push_back(prefix + step_label(plan, i) + ": needs: a step cannot need itself");
        continue;
      }
      const BatchStep& other = plan.steps[needed->second];
      if (other.wave > step.wave) {
        problems.push_back(prefix + step_label(plan, i) + " (wave " +
                           text_excerpt(plan.waves[step.wave]) + ") needs step '" +
                           text_excerpt(need) + "', which is in the later wave " +
                           text_excerpt(plan.waves[other.wave]) + ": it could never run");
        continue;
      }
      edges[i].push_back(needed->second);
    }
  }
  if (const auto cycle = find_cycle(edges); !cycle.empty())
    problems.push_back(prefix + "needs form a cycle, so none of these steps could run: " +
                       cycle_text(plan, cycle));
  return problems;
}

}  // namespace stopd::core::batch
