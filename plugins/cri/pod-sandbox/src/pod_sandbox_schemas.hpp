// The JSON Schemas (draft 7) of cri.pod_sandbox's target, options and selector.
#pragma once

#include <nlohmann/json.hpp>

namespace stopd::cri {

nlohmann::json pod_sandbox_target_schema();
nlohmann::json pod_sandbox_options_schema();
nlohmann::json pod_sandbox_selector_schema();

}  // namespace stopd::cri
