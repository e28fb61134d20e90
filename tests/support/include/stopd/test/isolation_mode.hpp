// STOPD_TEST_ISOLATION=process runs a test's providers isolated, each in a stopd-plugin-host
// process, instead of in-process: the same tests, registered a second time with that variable
// (ctest label `isolation`), show a plugin behaves the same in both modes.
#pragma once

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace stopd::test {

inline bool isolated_run() {
  const char* mode = std::getenv("STOPD_TEST_ISOLATION");
  return mode != nullptr && std::string_view(mode) == "process";
}

namespace detail {

// Every {"env": NAME} below `value`: secrets a plugin reads from its environment.
inline void collect_env_references(const nlohmann::json& value, nlohmann::json& names) {
  if (value.is_object()) {
    if (value.size() == 1 && value.contains("env") && value["env"].is_string())
      names.push_back(value["env"]);
    for (const auto& [_, item] : value.items()) collect_env_references(item, names);
  } else if (value.is_array()) {
    for (const auto& item : value) collect_env_references(item, names);
  }
}

}  // namespace detail

// A config document with each named type (and every provider it configures) isolated when the
// run is an isolated one, passing on the environment variables its settings refer to.
inline nlohmann::json with_test_isolation(nlohmann::json document,
                                          std::initializer_list<std::string_view> types = {}) {
  if (!isolated_run()) return document;
  auto& providers = document["providers"];
  for (std::string_view type : types) providers[std::string(type)]["isolation"] = "process";
  for (auto& [_, provider] : providers.items()) {
    provider["isolation"] = "process";
    nlohmann::json names = nlohmann::json::array();
    if (provider.contains("settings")) detail::collect_env_references(provider["settings"], names);
    if (!names.empty()) provider["plugin_host"]["inherit_environment"] = names;
  }
  return document;
}

}  // namespace stopd::test
