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

// name, version, description and the two schemas; capabilities are the caller's.
sdk::ProviderInfo provider_info(std::string_view name, std::string_view version,
                                std::string_view description, nlohmann::json target_schema,
                                nlohmann::json options_schema);

}  // namespace stopd::huaweicloud
