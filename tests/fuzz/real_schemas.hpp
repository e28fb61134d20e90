// The JSON Schemas stopd validates untrusted values against, as the code declares them: every
// in-tree plugin's target, options and selector schema (compiled from the plugins' own sources),
// the plan schema and the config schema.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace stopd::fuzz {

struct NamedSchema {
  std::string name;  // "local.process target", "plan", …
  nlohmann::json schema;
};

// In a fixed order: a fuzz input picks one by index.
const std::vector<NamedSchema>& real_schemas();

// Only the plugins' target, options and selector schemas (what KEY=VALUE arguments are typed by).
const std::vector<NamedSchema>& plugin_schemas();

}  // namespace stopd::fuzz
