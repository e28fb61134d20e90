// Values against the real schemas (every in-tree plugin's target, options and selector schema,
// the plan schema, the config schema) through JsonSchema::validate, the validation and the error
// rendering every request, plan and config goes through. validate() must answer, never throw,
// and an error must start at the root it was given.
//
// Input: the first byte picks the schema (real_schemas(), modulo their number); the rest is the
// value as JSON text. Text that is not JSON is tried as one string value, so that strings with
// any bytes (which a YAML plan can carry) reach the error rendering too.
#include "fuzz_check.hpp"
#include "real_schemas.hpp"
#include "stopd/core/bounded_json.hpp"
#include "stopd/core/json_schema.hpp"

namespace {

using nlohmann::json;

const std::vector<stopd::core::JsonSchema>& compiled() {
  static const std::vector<stopd::core::JsonSchema> schemas = [] {
    std::vector<stopd::core::JsonSchema> all;
    for (const auto& named : stopd::fuzz::real_schemas()) all.emplace_back(named.schema);
    return all;
  }();
  return schemas;
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
  const std::size_t which = data[0] % compiled().size();
  const std::string_view text = stopd::fuzz::text_of(data + 1, size - 1);
  // Values reach a schema from bounded parsers only (plans, configs, arguments, protobuf):
  // parsed the same way here, or taken as a string when that refuses them.
  json value;
  try {
    value = stopd::core::parse_bounded_json(text);
  } catch (const stopd::core::DocumentTextError&) {
    value = std::string(text);
  }

  constexpr std::string_view kRoot = "value";
  const auto error = compiled()[which].validate(value, kRoot);
  if (error && !error->starts_with(kRoot))
    stopd::fuzz::fail("the error is not at the root", *error);
  return 0;
}
