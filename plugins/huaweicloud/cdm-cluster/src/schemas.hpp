// huaweicloud.cdm.cluster's target and options, each declared once: the schemas the host
// validates against and the parsers the provider reads requests with.
#pragma once

#include <nlohmann/json.hpp>

#include "cdm_api.hpp"
#include "stopd/huaweicloud/provider_common.hpp"

namespace stopd::huaweicloud::cdm {

const sdk::Fields<ClusterRef>& target_fields();
const sdk::Fields<WaitOption>& option_fields();

inline nlohmann::json target_schema() {
  return target_fields().schema();
}
inline nlohmann::json options_schema() {
  return option_fields().schema();
}

}  // namespace stopd::huaweicloud::cdm
