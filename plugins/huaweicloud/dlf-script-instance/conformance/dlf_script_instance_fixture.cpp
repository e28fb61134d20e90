// huaweicloud.dlf.script_instance's conformance fixture: script instances in the local emulator
// (plugins/huaweicloud/conformance). Running: a RUNNING instance that ends (FAILED, as DLF reports
// a stopped run) 200 ms after its stop; stopped: a FINISHED one; missing: an instance id the
// script does not have. The stops wait for the end (options.wait): without it the stop is
// reported once DLF accepted it, while the instance still reads RUNNING.
#include "emulator_world.hpp"
#include "stopd/conformance.hpp"

namespace {

using nlohmann::json;
using stopd::hwconformance::Pool;

json instance(const std::string& id) {
  return {{"project_id", stopd::hwconformance::kProject},
          {"script_name", stopd::hwconformance::kScript},
          {"instance_id", id}};
}

class DlfScriptInstanceFixture final : public stopd::conformance::Fixture {
 public:
  json settings() override { return stopd::hwconformance::settings(); }
  json options() override { return {{"wait", true}}; }

  json make_running() override {
    return instance(stopd::hwconformance::take(Pool::running_instance));
  }

  // None: DLF has one stop call, with no grace and nothing stronger to force an instance with;
  // no instance ignores it.
  std::optional<json> make_stubborn() override { return std::nullopt; }

  json make_stopped() override {
    return instance(stopd::hwconformance::take(Pool::finished_instance));
  }

  std::optional<json> make_missing() override {
    return instance(stopd::hwconformance::missing_id(Pool::running_instance));
  }

  // The instance's 200 ms to end after its stop, and status reads every 50 ms.
  std::chrono::milliseconds graceful_stop_time() override { return std::chrono::seconds(2); }
};

}  // namespace

STOPD_CONFORMANCE_FIXTURE(DlfScriptInstanceFixture)
