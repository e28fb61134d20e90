// What the three Huawei Cloud providers read the same way: the project id every API path starts
// with, the `wait` option, and the parts of ProviderInfo they share.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "stopd/huaweicloud/id_rule.hpp"
#include "stopd/sdk/provider.hpp"

namespace stopd::huaweicloud {

// The pattern of the services' plain ids (project, cluster, instance, workspace): the target
// schemas spell the same pattern.
inline constexpr char kPlainIdPattern[] = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";

// target.project_id: 1-64 letters, digits, '-' or '_'.
const IdRule& project_id_rule();

// options.wait as a bool (absent: false). Throws sdk::StopError(invalid_argument) naming the
// option when it is not a boolean.
bool wait_option(const nlohmann::json& options);

// The two schemas. Name, version, description and the capabilities the overrides imply come from
// STOPD_PLUGIN; drain is the caller's.
sdk::ProviderInfo provider_info(nlohmann::json target_schema, nlohmann::json options_schema);

}  // namespace stopd::huaweicloud
