// huaweicloud.fgs.workflow_execution's conformance fixture: workflow executions in the local
// emulator (plugins/huaweicloud/conformance). Running: a RUNNING execution; stopped: a STOPPED
// one; missing: an execution URN the graph does not have. FunctionGraph has no state read, so the
// plugin cannot inspect: whether an execution runs is read from the emulator's own state.
#include <stdexcept>

#include "emulator_world.hpp"
#include "stopd/conformance.hpp"

namespace {

using nlohmann::json;
using stopd::hwconformance::Pool;

json execution(const std::string& urn) {
  return {{"project_id", stopd::hwconformance::kProject},
          {"graph_urn", stopd::hwconformance::kGraph},
          {"execution_urn", urn}};
}

class FgsWorkflowExecutionFixture final : public stopd::conformance::Fixture {
 public:
  json settings() override { return stopd::hwconformance::settings(); }

  json make_running() override {
    return execution(stopd::hwconformance::take(Pool::running_execution));
  }

  // None: FunctionGraph's stop is one call that ends the execution at once; there is no grace to
  // outlast and nothing stronger to force it with.
  std::optional<json> make_stubborn() override { return std::nullopt; }

  json make_stopped() override {
    return execution(stopd::hwconformance::take(Pool::stopped_execution));
  }

  std::optional<json> make_missing() override {
    return execution(stopd::hwconformance::missing_id(Pool::running_execution));
  }

  std::optional<bool> is_running(const json& target) override {
    const auto urn = target.at("execution_urn").get<std::string>();
    const json state = stopd::hwconformance::state();
    for (const auto& execution : state.at("executions"))
      if (execution.at("execution_urn") == urn) return execution.at("status") == "RUNNING";
    throw std::runtime_error("the emulator holds no execution " + urn);
  }

  // One stop call.
  std::chrono::milliseconds graceful_stop_time() override { return std::chrono::seconds(2); }
};

}  // namespace

STOPD_CONFORMANCE_FIXTURE(FgsWorkflowExecutionFixture)
