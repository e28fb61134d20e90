// What a plugin publishes: it loads through the real loader (descriptor, ABI, info() agreeing
// with the descriptor, usable schemas), its schemas' examples and the fixture's targets
// validate, and its declared capabilities match what it implements.
#include <string>

#include "stopd/core/json_schema.hpp"
#include "suite.hpp"

namespace stopd::conformance {
namespace {

using nlohmann::json;

class Metadata : public RuleTest {};

// Every value of the schema's top-level `examples` validates against the schema.
void expect_examples_validate(const json& schema, const std::string& name) {
  if (!schema.is_object() || !schema.contains("examples")) return;
  const json& examples = schema["examples"];
  ASSERT_TRUE(examples.is_array()) << "[schemas] " << name << ".examples: expected an array";
  const core::JsonSchema compiled(schema);
  for (std::size_t i = 0; i < examples.size(); ++i)
    if (auto problem = compiled.validate(examples[i], name))
      ADD_FAILURE() << "[schemas] " << name << ".examples[" << i << "] " << examples[i].dump()
                    << " does not validate: " << *problem;
}

TEST_P(Metadata, PublishedExamplesAndFixtureTargetsValidate) {
  expect_examples_validate(info().target_schema, "target_schema");
  expect_examples_validate(info().options_schema, "options_schema");
  expect_examples_validate(info().selector_schema, "selector_schema");
  std::optional<json> stubborn = fixture().make_stubborn();
  const json targets = {{"make_running", fixture().make_running()},
                        {"make_stubborn", stubborn.value_or(json())},
                        {"make_stopped", fixture().make_stopped()},
                        {"make_missing", fixture().make_missing().value_or(json())}};
  for (const auto& [made_by, target] : targets.items()) {
    if (target.is_null()) continue;
    sdk::StopRequest request;
    request.type = type();
    request.target = target;
    request.options = fixture().options();
    if (auto problem = host().dispatcher().validate(request))
      ADD_FAILURE() << "[schemas] the fixture's " << made_by << "() target " << target.dump()
                    << " is refused: " << *problem;
  }
}

TEST_P(Metadata, CapabilitiesMatchWhatIsImplemented) {
  const auto target = fixture().make_running();
  auto& provider = *host().registry().find(type())->provider;
  // The SDK's default inspect() throws failed_precondition with this text.
  constexpr std::string_view kNotImplemented = "cannot inspect its resources";
  try {
    const auto inspection = provider.inspect(target);
    EXPECT_TRUE(info().capabilities.inspect)
        << "[capabilities] inspect() works, but info().capabilities.inspect is false: dry runs "
           "and verification will not use it";
    EXPECT_TRUE(inspection.state == sdk::Inspection::State::running ||
                inspection.state == sdk::Inspection::State::stopping)
        << "[capabilities] inspect(" << target.dump() << ") of the fixture's running resource "
        << "answered state " << static_cast<int>(inspection.state) << " (" << inspection.summary
        << ")";
  } catch (const sdk::StopError& e) {
    const bool not_implemented =
        std::string_view(e.what()).find(kNotImplemented) != std::string_view::npos;
    if (info().capabilities.inspect)
      ADD_FAILURE() << "[capabilities] info().capabilities.inspect is true, but inspect("
                    << target.dump() << ") failed: " << sdk::to_string(e.code()) << " " << e.what();
    else
      EXPECT_TRUE(not_implemented) << "[capabilities] inspect() is implemented (" << e.what()
                                   << "), but info().capabilities.inspect is false";
  }
}

STOPD_CONFORMANCE_RULES(Metadata);

}  // namespace
}  // namespace stopd::conformance
