// huaweicloud.cdm.cluster's conformance fixture: clusters in the local emulator
// (plugins/huaweicloud/conformance). Running: a normal cluster with no jobs; stopped: one at
// status 900; missing: a cluster id the project does not have. The stops wait for status 900
// (options.wait), since without it an accepted stop is reported while the cluster still shuts
// down, and "stopped" would not mean gone.
#include "emulator_world.hpp"
#include "stopd/conformance.hpp"

namespace {

using nlohmann::json;
using stopd::hwconformance::Pool;

json cluster(const std::string& id) {
  return {{"project_id", stopd::hwconformance::kProject}, {"cluster_id", id}};
}

class CdmClusterFixture final : public stopd::conformance::Fixture {
 public:
  json settings() override { return stopd::hwconformance::settings(); }
  json options() override { return {{"wait", true}}; }

  json make_running() override { return cluster(stopd::hwconformance::take(Pool::idle_cluster)); }

  // None: a graceful stop sends the grace as delayTime, and CDM itself stops the cluster when
  // that delay runs out, with jobs running or not (delayTime -1, the one graceful stop a busy
  // cluster can outlast, is sent only for an unbounded grace, where nothing is forced). So no
  // cluster refuses the graceful path, and the provider cannot tell a cluster whose jobs were cut
  // at delayTime from one that had none: its outcome is not `forced`. The provider's escalation
  // and deadline are covered by CdmClusterTest.
  std::optional<json> make_stubborn() override { return std::nullopt; }

  json make_stopped() override {
    return cluster(stopd::hwconformance::take(Pool::stopped_cluster));
  }

  std::optional<json> make_missing() override {
    return cluster(stopd::hwconformance::missing_id(Pool::idle_cluster));
  }

  // CDM waits out the grace (delayTime) in full, in the emulator's short seconds (the suite's
  // default 30 s grace lasts 0.6 s), and the provider reads the status every 50 ms.
  std::chrono::milliseconds graceful_stop_time() override { return std::chrono::seconds(2); }
};

}  // namespace

STOPD_CONFORMANCE_FIXTURE(CdmClusterFixture)
