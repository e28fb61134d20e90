// The target schema of huaweicloud.fgs.workflow_execution, and the id rules the provider
// re-checks with the same patterns.
#pragma once

#include <nlohmann/json.hpp>

#include "stopd/huaweicloud/id_rule.hpp"

namespace stopd::huaweicloud::fgs {

nlohmann::json target_schema();
nlohmann::json options_schema();

const IdRule& graph_urn_rule();
const IdRule& execution_urn_rule();

}  // namespace stopd::huaweicloud::fgs
