// What every conformance rule shares: the plugin and fixture under test, a fresh host per test
// (in the isolation mode the test is instantiated for), and the checks that run on every stop.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "stopd/conformance.hpp"
#include "stopd/core/dispatcher.hpp"
#include "stopd/core/host.hpp"
#include "stopd/sdk/outcome.hpp"
#include "stopd/sdk/request.hpp"

namespace stopd::sdk {
// gtest shows codes by name in failed comparisons.
inline void PrintTo(Code code, std::ostream* out) {
  *out << to_string(code);
}
}  // namespace stopd::sdk

namespace stopd::conformance {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Bounds on waiting for the outside world: generous, so a rule fails for a defect, never for a
// slow machine.
inline constexpr auto kSlack = 5s;

struct SuiteOptions {
  std::filesystem::path plugin;
  std::filesystem::path fixture;
  std::vector<std::string> isolation_modes;  // "in_process", "process"
  std::string type;                          // the resource type the plugin declares
};

// Set once by main() before the tests are registered.
SuiteOptions& suite_options();

// Reads the plugin's type and loads the fixture module, once, before any test: a file that is
// not a usable plugin or fixture is one clear error instead of a failure in every test. Throws
// std::runtime_error naming the file.
void prepare_suite();

// How a rule wants one stop made.
struct StopSpec {
  sdk::Mode mode = sdk::Mode::graceful;
  std::optional<std::chrono::milliseconds> grace = 30s;
  std::optional<std::chrono::milliseconds> deadline;  // from submission; nullopt: the host's
  bool dry_run = false;
};

inline StopSpec graceful(std::chrono::milliseconds grace,
                         std::optional<std::chrono::milliseconds> deadline = std::nullopt) {
  StopSpec spec;
  spec.grace = grace;
  spec.deadline = deadline;
  return spec;
}
inline StopSpec immediate() {
  StopSpec spec;
  spec.mode = sdk::Mode::immediate;
  return spec;
}
inline StopSpec dry_run() {
  StopSpec spec;
  spec.dry_run = true;
  return spec;
}

// A stop a rule made: the request, when it was submitted, and (after wait()) what came back.
struct Stop {
  sdk::StopRequest request;
  Clock::time_point submitted;
  std::shared_ptr<core::StopTicket> ticket;
};

class RuleTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Fixture& fixture() { return *fixture_; }
  core::Host& host() { return *host_; }
  const std::string& type() const { return type_; }
  const sdk::ProviderInfo& info() const;

  Stop submit(const nlohmann::json& target, const StopSpec& spec = {});
  // Waits at most `bound` for the result (a failure naming the rule and request if none came).
  core::StopResult wait(const Stop& stop, std::chrono::milliseconds bound, const char* rule);
  core::StopResult stop(const nlohmann::json& target, const StopSpec& spec, const char* rule);

  // Whether the resource runs: the fixture's is_running(), else the provider's inspect().
  bool running(const nlohmann::json& target, const char* rule);

  // Waits until no stop is in flight: every provider call has returned. False after `bound`.
  bool providers_returned(std::chrono::milliseconds bound);

  // "[rule] local.process {"pid":42} graceful grace 30s: got deadline_exceeded "…" after 1.2 s"
  std::string describe(const char* rule, const Stop& stop, const core::StopResult& result) const;

  std::chrono::milliseconds graceful_time() { return fixture_->graceful_stop_time(); }

 private:
  std::unique_ptr<Fixture> fixture_;
  std::unique_ptr<core::Host> host_;  // destroyed before the fixture: stops end, then resources go
  std::string type_;
};

// "stopped \"terminated pid 42\" (forced)".
std::string describe(const sdk::StopOutcome& outcome);

// The isolation modes chosen on the command line, for INSTANTIATE_TEST_SUITE_P.
std::vector<std::string> isolation_modes();

// Test names: the isolation mode.
std::string mode_name(const ::testing::TestParamInfo<std::string>& info);

}  // namespace stopd::conformance

// `const nlohmann::json& name`: the fixture's stubborn resource; skips the rule when it has none.
#define STOPD_STUBBORN_OR_SKIP(name)                                                           \
  const std::optional<nlohmann::json> name##_made = fixture().make_stubborn();                 \
  if (!name##_made)                                                                            \
    GTEST_SKIP() << "the fixture has no stubborn resource (make_stubborn() returned nullopt)"; \
  const nlohmann::json& name = *name##_made

#define STOPD_CONFORMANCE_RULES(Group)                                                            \
  INSTANTIATE_TEST_SUITE_P(, Group, ::testing::ValuesIn(::stopd::conformance::isolation_modes()), \
                           ::stopd::conformance::mode_name)
