// What the three Huawei Cloud providers read the same way: the project id every API path starts
// with, the `wait` option, and the parts of ProviderInfo they share.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "stopd/sdk/fields.hpp"
#include "stopd/sdk/provider.hpp"

namespace stopd::huaweicloud {

// The services' plain ids (project, cluster, instance, workspace): 1-64 letters, digits, '-' or
// '_', so that no id can leave the path segment it is put in. `what` describes the field.
sdk::TextRule plain_id(std::string what);

// The `wait` option of the providers that can wait for the resource to settle.
struct WaitOption {
  std::optional<bool> wait;
};
// Its declaration: `title` for the options schema, `meaning` says what waiting waits for.
sdk::Fields<WaitOption> wait_option_fields(std::string title, std::string meaning);

// The two schemas. Name, version, description and the capabilities the overrides imply come from
// STOPD_PLUGIN; drain is the caller's.
sdk::ProviderInfo provider_info(nlohmann::json target_schema, nlohmann::json options_schema);

}  // namespace stopd::huaweicloud
