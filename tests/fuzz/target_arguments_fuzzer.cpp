// `stopctl stop TYPE KEY=VALUE… KEY:=JSON…` arguments through parse_target_arguments, typed by a
// real plugin schema, then validated against it as the host does before a provider runs.
//
// Input: the first byte picks the schema (plugin_schemas(), modulo their number); the rest is the
// arguments, one per line.
#include <map>

#include "fuzz_check.hpp"
#include "real_schemas.hpp"
#include "stopd/core/json_schema.hpp"
#include "stopd/core/target_arguments.hpp"

namespace {

using nlohmann::json;
using stopd::fuzz::check;
using stopd::fuzz::fail;

const std::vector<stopd::core::JsonSchema>& compiled() {
  static const std::vector<stopd::core::JsonSchema> schemas = [] {
    std::vector<stopd::core::JsonSchema> all;
    for (const auto& named : stopd::fuzz::plugin_schemas()) all.emplace_back(named.schema);
    return all;
  }();
  return schemas;
}

bool declares(const json& schema, const std::string& key) {
  const auto properties = schema.find("properties");
  return properties != schema.end() && properties->contains(key) &&
         (*properties)[key].contains("type");
}

}  // namespace

// Setup before the first input: its coverage is not what is fuzzed, and libFuzzer would count
// it with whichever input happens to run first.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  compiled();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& schemas = stopd::fuzz::plugin_schemas();
  const std::size_t which = data[0] % schemas.size();
  const json& schema = schemas[which].schema;
  const std::string_view text = stopd::fuzz::text_of(data + 1, size - 1);
  const std::vector<std::string> pairs = stopd::fuzz::split(text, "\n");

  json target;
  try {
    target = stopd::core::parse_target_arguments(pairs, schema);
  } catch (const std::invalid_argument& e) {
    if (!std::string_view(e.what()).starts_with("'"))
      fail("the error does not quote the argument", e.what());
    return 0;
  }
  check(target.is_object() && target.size() == pairs.size(),
        "not one key per argument in the target");
  // KEY=VALUE for a key the schema does not type is kept as the string it was.
  for (const auto& pair : pairs) {
    const auto equals = pair.find('=');
    if (equals == 0 || pair[equals - 1] == ':') continue;
    const std::string key = pair.substr(0, equals);
    if (!declares(schema, key) && target[key] != pair.substr(equals + 1))
      fail("an untyped value changed", pair);
  }

  const auto error = compiled()[which].validate(target, "target");
  if (error && !error->starts_with("target")) fail("the error does not start at the root", *error);
  return 0;
}
