#include "stopd/cli/selector_arguments.hpp"

#include <stdexcept>

#include "stopd/core/bounded_json.hpp"
#include "stopd/core/target_arguments.hpp"

namespace stopd::cli {
namespace {

using nlohmann::json;

constexpr char kLabelPrefix[] = "labels.";

std::string known_keys(const json& properties) {
  std::string keys;
  for (const auto& [key, value] : properties.items()) keys += (keys.empty() ? "" : ", ") + key;
  return keys.empty() ? "nothing (it has no selector)" : keys;
}

}  // namespace

json selector_from_arguments(const std::vector<std::string>& pairs, const json& selector_schema,
                             const std::string& type) {
  const json properties = selector_schema.value("properties", json::object());
  const bool has_labels = properties.contains("labels");
  json selector = json::object();
  std::vector<std::string> typed;  // the pairs for schema properties, typed by the core's rule
  for (const auto& pair : pairs) {
    const auto equals = pair.find('=');
    if (equals == std::string::npos || equals == 0)
      throw std::invalid_argument("--selector '" + core::text_excerpt(pair) +
                                  "': expected KEY=VALUE");
    const bool raw_json = pair[equals - 1] == ':';
    const std::string key = pair.substr(0, raw_json ? equals - 1 : equals);
    const std::string value = pair.substr(equals + 1);
    const bool explicit_label = key.starts_with(kLabelPrefix) && key.size() > 7;
    if (!explicit_label && properties.contains(key) && key != "labels") {
      typed.push_back(pair);
      continue;
    }
    if (!has_labels)
      throw std::invalid_argument("--selector '" + core::text_excerpt(pair) + "': " + type +
                                  " selects by " + known_keys(properties));
    if (raw_json)
      throw std::invalid_argument("--selector '" + core::text_excerpt(pair) +
                                  "': label values are strings; write " + key + "=VALUE");
    const std::string label = explicit_label ? key.substr(7) : key;
    if (selector["labels"].contains(label))
      throw std::invalid_argument("--selector '" + core::text_excerpt(pair) + "': label " +
                                  core::text_excerpt(label) + " is given twice");
    selector["labels"][label] = value;
  }
  if (!typed.empty()) {
    // The same typing as target KEY=VALUE arguments (pgid=42 → 42), against the selector schema.
    const json properties_given = core::parse_target_arguments(typed, selector_schema);
    for (const auto& [key, value] : properties_given.items()) selector[key] = value;
  }
  return selector;
}

}  // namespace stopd::cli
