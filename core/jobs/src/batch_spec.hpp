// What the journal keeps of an accepted batch so a restarted daemon runs exactly the same items:
// the plan document, the overrides and the expanded items (selectors are not expanded again).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopd/batch/batch_item.hpp"
#include "stopd/jobs/batch_manager.hpp"

namespace stopd::core {

struct BatchSpec {
  nlohmann::json plan;  // BatchPlan::document
  std::string source;
  BatchOverrides overrides;
  std::vector<BatchItem> items;
  std::size_t hidden = 0;  // selector matches left out: outside the submitter's scopes
};

nlohmann::json to_json(const BatchSpec& spec);
// Throws std::invalid_argument when the journal's JSON is not a spec.
BatchSpec batch_spec_from_json(const nlohmann::json& json);

}  // namespace stopd::core
