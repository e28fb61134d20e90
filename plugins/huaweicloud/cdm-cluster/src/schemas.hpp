// The target and options schemas of huaweicloud.cdm.cluster, and the id rules the provider
// re-checks with the same patterns.
#pragma once

#include <nlohmann/json.hpp>

#include "stopd/huaweicloud/id_rule.hpp"

namespace stopd::huaweicloud::cdm {

nlohmann::json target_schema();
nlohmann::json options_schema();

const IdRule& cluster_id_rule();

}  // namespace stopd::huaweicloud::cdm
