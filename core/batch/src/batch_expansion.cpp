#include "stopd/batch/batch_expansion.hpp"

#include "stopd/core/bounded_json.hpp"
#include "stopd/core/host.hpp"
#include "stopd/sdk/outcome.hpp"

namespace stopd::core {

std::optional<std::string> HostBatchCatalog::validate(const sdk::StopRequest& request) const {
  return host_.dispatcher().validate(request);
}

std::vector<nlohmann::json> HostBatchCatalog::list(std::string_view type,
                                                   const nlohmann::json& selector) const {
  return host_.list(type, selector);
}

std::vector<BatchItem> expand_batch_plan(const BatchPlan& plan, const BatchCatalog& catalog,
                                         bool dry_run) {
  std::vector<BatchItem> items;
  std::vector<std::string> problems;  // PlanError keeps the first few
  const auto problem = [&](std::string text) { problems.push_back(std::move(text)); };
  for (std::size_t s = 0; s < plan.steps.size(); ++s) {
    const BatchStep& step = plan.steps[s];
    const std::string where = "step '" + text_excerpt(step.name) + "'";
    std::vector<nlohmann::json> targets;
    if (step.target) {
      targets.push_back(*step.target);
    } else {
      try {
        targets = catalog.list(step.type, *step.selector);
      } catch (const sdk::StopError& e) {
        problem(where + ": selector " + json_excerpt(*step.selector) + ": " + e.what());
        continue;
      }
    }
    for (std::size_t n = 0; n < targets.size(); ++n) {
      BatchItem item = make_batch_item(plan, s, n, std::move(targets[n]));
      item.request.dry_run = dry_run;
      if (auto error = catalog.validate(item.request)) {
        // A selector's match is named by its item id and target; a plain target by the step.
        problem(step.target
                    ? where + ": " + *error
                    : where + ": item " + text_excerpt(item.id) + " " +
                          json_excerpt(item.request.target) + " from the selector: " + *error);
        // An unknown type fails every item the same way: once is enough.
        if (error->rfind("type:", 0) == 0) break;
        continue;
      }
      items.push_back(std::move(item));
    }
  }
  if (!problems.empty()) throw PlanError(std::move(problems));
  return items;
}

}  // namespace stopd::core
