#include "stopd/huaweicloud/provider_common.hpp"

namespace stopd::huaweicloud {

const IdRule& project_id_rule() {
  static const IdRule rule("project_id", kPlainIdPattern,
                           "1-64 letters, digits, '-' or '_' (a project id)", 64);
  return rule;
}

bool wait_option(const nlohmann::json& options) {
  if (!options.is_object() || !options.contains("wait")) return false;
  if (!options["wait"].is_boolean())
    throw sdk::StopError(sdk::Code::invalid_argument, "options.wait: expected true or false");
  return options["wait"].get<bool>();
}

sdk::ProviderInfo provider_info(nlohmann::json target_schema, nlohmann::json options_schema) {
  sdk::ProviderInfo info;
  info.target_schema = std::move(target_schema);
  info.options_schema = std::move(options_schema);
  return info;
}

}  // namespace stopd::huaweicloud
