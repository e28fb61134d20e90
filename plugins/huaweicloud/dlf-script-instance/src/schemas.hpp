// The target and options schemas of huaweicloud.dlf.script_instance, and the id rules the
// provider re-checks with the same patterns.
#pragma once

#include <nlohmann/json.hpp>

#include "stopd/huaweicloud/id_rule.hpp"

namespace stopd::huaweicloud::dlf {

nlohmann::json target_schema();
nlohmann::json options_schema();

const IdRule& script_name_rule();
const IdRule& instance_id_rule();
const IdRule& workspace_rule();

}  // namespace stopd::huaweicloud::dlf
