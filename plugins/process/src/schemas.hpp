// The JSON Schemas (draft 7) the host validates requests against before start() runs. They carry
// titles and descriptions because the host's validation errors are all a user sees of them; the
// provider repeats the checks that matter with messages naming the field.
#pragma once

#include <nlohmann/json.hpp>

namespace stopd::process {

nlohmann::json target_schema();
nlohmann::json options_schema();
nlohmann::json selector_schema();

}  // namespace stopd::process
