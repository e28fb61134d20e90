// The fixture of the local.process integration tests: a provider, the children a test spawned
// (killed and reaped when the test ends, whatever happened), and shorthands for requests and for
// reading an outcome's details.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopd/process/process_provider.hpp"
#include "stopd/sdk/outcome.hpp"
#include "stopd/sdk/request.hpp"
#include "stopd/test/child_process.hpp"
#include "stopd/test/process_probe.hpp"
#include "stopd/test/recording_context.hpp"
#include "stopd/test/recording_logger.hpp"

namespace stopd::process::testing {

using namespace std::chrono_literals;
using stopd::test::ChildProcess;
using stopd::test::RecordingContext;
using Clock = std::chrono::steady_clock;

// Bounds for waiting on the outside world: generous so they never flake on a loaded machine.
inline constexpr auto kOutcomeTimeout = 60s;
inline constexpr auto kExitTimeout = 20s;

class ProcessProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  void TearDown() override;

  ProcessProvider& provider(const nlohmann::json& settings = nlohmann::json::object());
  void destroy_provider() { provider_.reset(); }

  ChildProcess& spawn(const std::vector<std::string>& args,
                      const stopd::test::SpawnOptions& options = {});

  static sdk::StopRequest request(const nlohmann::json& target,
                                  sdk::Mode mode = sdk::Mode::graceful,
                                  const nlohmann::json& options = nlohmann::json::object());

  // start() and wait for the outcome (a test failure if there is none within kOutcomeTimeout).
  sdk::StopOutcome run(const nlohmann::json& target,
                       const std::shared_ptr<RecordingContext>& context,
                       sdk::Mode mode = sdk::Mode::graceful,
                       const nlohmann::json& options = nlohmann::json::object());

  std::shared_ptr<stopd::test::RecordingLogger> logger_ =
      std::make_shared<stopd::test::RecordingLogger>();
  std::deque<ChildProcess> children_;
  std::unique_ptr<ProcessProvider> provider_;  // declared last: destroyed before the children
};

// details.signals as names: {"SIGTERM", "SIGKILL"}.
std::vector<std::string> signal_names(const sdk::StopOutcome& outcome);

// details.signals[i].processes for the signal `name`, summed.
std::size_t processes_signalled(const sdk::StopOutcome& outcome, const std::string& name);

// For gtest messages: code, message and details.
std::string describe(const sdk::StopOutcome& outcome);

// The wait status says the process was killed by `signal`.
bool killed_by(const std::optional<int>& status, int signal);
bool exited_normally(const std::optional<int>& status);

}  // namespace stopd::process::testing
