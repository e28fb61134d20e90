// cri.container's target, options and selector, each declared once: the schemas the host
// validates requests against (and shows users) and the parsers the provider reads them with.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "stopd/cri/cri_fields.hpp"

namespace stopd::cri {

// Containers matching every field given.
struct ContainerSelector {
  std::optional<std::map<std::string, std::string>> labels;
  std::optional<std::string> pod_name;
  std::optional<std::string> pod_namespace;  // "namespace"
  std::optional<std::string> pod_sandbox_id;
  std::optional<std::string> name;
  std::optional<std::string> state;  // running, exited, created, unknown or any; default running
};

const sdk::Fields<IdTarget>& container_target_fields();
const sdk::Fields<NoOptions>& container_option_fields();
const sdk::Fields<ContainerSelector>& container_selector_fields();

inline nlohmann::json container_target_schema() {
  return container_target_fields().schema();
}
inline nlohmann::json container_options_schema() {
  return container_option_fields().schema();
}
inline nlohmann::json container_selector_schema() {
  return container_selector_fields().schema();
}

}  // namespace stopd::cri
