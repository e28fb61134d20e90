// cri.container's conformance fixture: real containers of a private containerd (the CRI
// integration tests' harness, one containerd per suite process), each in a pod of its own, from
// the offline test image. Running: /pause, which exits on SIGTERM; stubborn: busybox sleep with
// SIGTERM ignored, which only StopContainer's kill ends; stopped: /pause stopped through the CRI
// (EXITED, code 0); missing: an id no runtime has (containerd 1.6.20 answers NOT_FOUND).
#include <stdexcept>

#include "cri_fixture_support.hpp"
#include "stopd/conformance.hpp"

namespace {

using nlohmann::json;
namespace cc = stopd::cri_conformance;
namespace v1 = ::runtime::v1;

json target(const std::string& id) {
  return {{"container_id", id}};
}

class ContainerFixture final : public stopd::conformance::Fixture {
 public:
  json settings() override { return cc::settings_for_shared_containerd(); }

  json make_running() override {
    return target(pods_.start_container("running", stopd::cri_test::exits_on_sigterm()));
  }

  std::optional<json> make_stubborn() override {
    return target(pods_.start_container("stubborn", stopd::cri_test::ignores_sigterm()));
  }

  json make_stopped() override {
    const std::string id = pods_.start_container("stopped", stopd::cri_test::exits_on_sigterm());
    v1::StopContainerRequest stop;
    stop.set_container_id(id);
    stop.set_timeout(10);
    v1::StopContainerResponse stopped;
    const auto status = cc::shared_containerd().client().call(stop, &stopped);
    if (!status.ok())
      throw std::runtime_error("StopContainer " + id + " failed: " + status.error_message());
    if (stopd::cri_test::container_status(cc::shared_containerd(), id).state() !=
        v1::CONTAINER_EXITED)
      throw std::runtime_error("container " + id + " is not EXITED after StopContainer");
    return target(id);
  }

  std::optional<json> make_missing() override { return target(cc::unknown_id()); }

  std::optional<bool> is_running(const json& target) override {
    v1::ContainerStatusRequest request;
    request.set_container_id(target.at("container_id").get<std::string>());
    v1::ContainerStatusResponse response;
    const auto status = cc::shared_containerd().client().call(request, &response);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return false;
    if (!status.ok())
      throw std::runtime_error("ContainerStatus " + request.container_id() +
                               " failed: " + status.error_message());
    return response.status().state() == v1::CONTAINER_RUNNING;
  }

 private:
  cc::Pods pods_;
};

}  // namespace

STOPD_CONFORMANCE_FIXTURE(ContainerFixture)
