// A plan's text as a JSON value: JSON as it is, YAML converted (plain scalars typed the way YAML
// 1.2's core schema types them). Syntax errors name the line and column.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace stopd::core::batch {

// Throws PlanError("SOURCE:LINE:COLUMN: syntax error: …").
nlohmann::json parse_plan_document(std::string_view text, std::string_view source);

}  // namespace stopd::core::batch
