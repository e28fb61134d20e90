// The plugin host protocol's JSON fields (isolation/wire.hpp): what an isolated plugin's host sends
// is bounded like any other input before stopd keeps it, as the README says ("Isolating a plugin").
#include "isolation/wire.hpp"

#include <gtest/gtest.h>

#include <string>

#include "stopd/core/input_limits.hpp"

namespace {

namespace wire = stopd::core::wire;
using nlohmann::json;

std::string nested(int depth) {
  return std::string(static_cast<std::size_t>(depth), '[') +
         std::string(static_cast<std::size_t>(depth), ']');
}

TEST(Wire, JsonWithinTheLimitsArrivesAsSent) {
  EXPECT_EQ(wire::parse_or(R"({"exit_code":0,"signal":"SIGTERM"})", json::object()),
            json({{"exit_code", 0}, {"signal", "SIGTERM"}}));
  EXPECT_EQ(wire::parse_or(nested(stopd::core::limits::kMaxNesting), json::object()),
            json::parse(nested(stopd::core::limits::kMaxNesting)));
}

TEST(Wire, JsonNestedPastTheLimitOrMalformedArrivesAsTheFallback) {
  EXPECT_EQ(wire::parse_or(nested(stopd::core::limits::kMaxNesting + 1), json::object()),
            json::object());
  EXPECT_EQ(wire::parse_or(nested(300000), json::array()), json::array());
  EXPECT_EQ(wire::parse_or("{\"unterminated\":", json::object()), json::object());
  EXPECT_EQ(wire::parse_or("", json::array()), json::array()) << "no text: the SDK's default";
}

TEST(Wire, AnOutcomeWithHostileDetailsKeepsItsCodeAndMessage) {
  stopd::plugin::v1::StopCompleted completed;
  completed.set_code(static_cast<int>(stopd::sdk::Code::stopped));
  completed.set_message("stopped");
  completed.set_details_json(nested(300000));
  const stopd::sdk::StopOutcome outcome = wire::outcome_from(completed);
  EXPECT_EQ(outcome.code, stopd::sdk::Code::stopped);
  EXPECT_EQ(outcome.message, "stopped");
  EXPECT_EQ(outcome.details, json::object());
  completed.set_code(1000);
  EXPECT_EQ(wire::outcome_from(completed).code, stopd::sdk::Code::internal);
}

}  // namespace
