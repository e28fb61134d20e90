// huaweicloud.fgs.workflow_execution's target, declared once: the schema the host validates
// against and the parser the provider reads requests with. It takes no options.
#pragma once

#include <nlohmann/json.hpp>

#include "fgs_api.hpp"
#include "stopd/huaweicloud/provider_common.hpp"

namespace stopd::huaweicloud::fgs {

const sdk::Fields<ExecutionRef>& target_fields();

inline nlohmann::json target_schema() {
  return target_fields().schema();
}
nlohmann::json options_schema();

}  // namespace stopd::huaweicloud::fgs
