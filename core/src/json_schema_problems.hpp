// What makes a JSON Schema unusable, found by walking it before valijson parses it: valijson's
// own refusals ("JSON value is not an object.") name no place, and it compiles `pattern`s only
// while validating, so a bad regular expression would surface at the first stop, not at load.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace stopd::core {

// The first problem as "<JSON pointer>: <what is wrong and what was expected>", e.g.
// "/properties/id/pattern: invalid regular expression \"([a-z]\": mismatched ( and )".
// nullopt when every keyword stopd's validator reads has the shape draft 7 requires.
std::optional<std::string> json_schema_problem(const nlohmann::json& schema);

}  // namespace stopd::core
