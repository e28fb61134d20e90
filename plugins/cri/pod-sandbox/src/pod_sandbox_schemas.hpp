// cri.pod_sandbox's target, options and selector, each declared once: the schemas the host
// validates requests against (and shows users) and the parsers the provider reads them with.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "stopd/cri/cri_fields.hpp"

namespace stopd::cri {

// Pod sandboxes matching every field given.
struct PodSandboxSelector {
  std::optional<std::map<std::string, std::string>> labels;
  std::optional<std::string> pod_name;
  std::optional<std::string> pod_namespace;  // "namespace"
  std::optional<std::string> state;          // ready, notready or any; default ready
};

const sdk::Fields<IdTarget>& pod_sandbox_target_fields();
const sdk::Fields<NoOptions>& pod_sandbox_option_fields();
const sdk::Fields<PodSandboxSelector>& pod_sandbox_selector_fields();

inline nlohmann::json pod_sandbox_target_schema() {
  return pod_sandbox_target_fields().schema();
}
inline nlohmann::json pod_sandbox_options_schema() {
  return pod_sandbox_option_fields().schema();
}
inline nlohmann::json pod_sandbox_selector_schema() {
  return pod_sandbox_selector_fields().schema();
}

}  // namespace stopd::cri
