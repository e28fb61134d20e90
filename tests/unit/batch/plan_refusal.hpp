// What the plan tests ask of a plan that must be refused: every problem, one per line.
#pragma once

#include <string>
#include <string_view>

#include "stopd/batch/batch_plan.hpp"

namespace stopd::core {

// The problems of a plan that must be refused, one per line ("" when it parses).
inline std::string refusal(std::string_view text, std::string_view source = "plan") {
  try {
    parse_batch_plan(text, source);
  } catch (const PlanError& e) {
    std::string all;
    for (const auto& problem : e.problems()) all += problem + "\n";
    return all;
  }
  return "";
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace stopd::core
