// Turns command-line KEY=VALUE pairs into a target object, typed by the provider's target schema
// ("pid=42" → {"pid": 42} when the schema says integer), so the CLI and batch plans accept the
// same spelling.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace stopd::core {

// Throws std::invalid_argument naming the offending argument ("'pid=abc': pid expects an
// integer") for a pair without '=', an empty key, a repeated key or a value of the wrong type.
nlohmann::json parse_target_arguments(const std::vector<std::string>& pairs,
                                      const nlohmann::json& target_schema);

}  // namespace stopd::core
