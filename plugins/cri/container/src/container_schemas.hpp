// The JSON Schemas (draft 7) of cri.container's target, options and selector. The host validates
// requests against them before the provider runs, and shows their descriptions to users.
#pragma once

#include <nlohmann/json.hpp>

namespace stopd::cri {

nlohmann::json container_target_schema();
nlohmann::json container_options_schema();
nlohmann::json container_selector_schema();

}  // namespace stopd::cri
