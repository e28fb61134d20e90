#include "plan_document.hpp"

#include <string>

#include "stopd/batch/batch_plan.hpp"
#include "stopd/core/bounded_json.hpp"
#include "yaml_document.hpp"

namespace stopd::core::batch {
namespace {

bool looks_like_json(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && (text[first] == '{' || text[first] == '[');
}

}  // namespace

nlohmann::json parse_plan_document(std::string_view text, std::string_view source) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw PlanError({std::string(source) + ": the plan is empty"});
  try {
    return looks_like_json(text) ? parse_bounded_json(text) : parse_bounded_yaml(text);
  } catch (const DocumentTextError& e) {
    const std::string where = std::string(source) + ":" + std::to_string(e.line()) + ":" +
                              std::to_string(e.column()) + ": ";
    throw PlanError({where + (e.kind() == DocumentTextError::Kind::syntax ? "syntax error: " : "") +
                     e.reason()});
  }
}

}  // namespace stopd::core::batch
