// cri.pod_sandbox's conformance fixture: real pod sandboxes of a private containerd (the CRI
// integration tests' harness, one containerd per suite process) with the offline test image.
// Running: a READY sandbox with one member, /pause, which exits on SIGTERM; stubborn: a READY
// sandbox whose member is busybox sleep with SIGTERM ignored, so only the kill at force_at ends
// the stop (the provider gives members the grace before StopPodSandbox); stopped: a sandbox
// stopped through the CRI (NOTREADY); missing: an id no runtime has (containerd 1.6.20 answers
// NOT_FOUND).
#include <stdexcept>

#include "cri_fixture_support.hpp"
#include "stopd/conformance.hpp"

namespace {

using nlohmann::json;
namespace cc = stopd::cri_conformance;
namespace v1 = ::runtime::v1;

json target(const std::string& id) {
  return {{"pod_sandbox_id", id}};
}

class PodSandboxFixture final : public stopd::conformance::Fixture {
 public:
  json settings() override { return cc::settings_for_shared_containerd(); }

  json make_running() override {
    return target(with_member("running", stopd::cri_test::exits_on_sigterm()));
  }

  std::optional<json> make_stubborn() override {
    return target(with_member("stubborn", stopd::cri_test::ignores_sigterm()));
  }

  json make_stopped() override {
    const std::string id = pods_.run("stopped").id;
    v1::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(id);
    v1::StopPodSandboxResponse stopped;
    const auto status = cc::shared_containerd().client().call(stop, &stopped);
    if (!status.ok())
      throw std::runtime_error("StopPodSandbox " + id + " failed: " + status.error_message());
    return target(id);
  }

  std::optional<json> make_missing() override { return target(cc::unknown_id()); }

  std::optional<bool> is_running(const json& target) override {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id(target.at("pod_sandbox_id").get<std::string>());
    v1::PodSandboxStatusResponse response;
    const auto status = cc::shared_containerd().client().call(request, &response);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
    if (!status.ok())
      throw std::runtime_error("PodSandboxStatus " + request.pod_sandbox_id() +
                               " failed: " + status.error_message());
    return response.status().state() == v1::SANDBOX_READY;
  }

 private:
  std::string with_member(const std::string& name, const std::vector<std::string>& command) {
    const auto pod = pods_.run(name);
    stopd::cri_test::start_container(cc::shared_containerd(), pod, name, command);
    return pod.id;
  }

  cc::Pods pods_;
};

}  // namespace

STOPD_CONFORMANCE_FIXTURE(PodSandboxFixture)
