#include "stopd/cri/pod_sandbox_provider.hpp"

#include "pod_sandbox_facts.hpp"
#include "pod_sandbox_listing.hpp"
#include "pod_sandbox_schemas.hpp"
#include "pod_sandbox_stop.hpp"
#include "stopd/cri/cri_client.hpp"
#include "stopd/cri/status_mapping.hpp"

namespace stopd::cri {

PodSandboxProvider::PodSandboxProvider(const sdk::ProviderConfig& config)
    : CriProvider(config, pod_sandbox_target_fields(), "pod sandbox") {}

PodSandboxProvider::~PodSandboxProvider() = default;

sdk::ProviderInfo PodSandboxProvider::info() const {
  sdk::ProviderInfo info;  // name, version and capabilities: from STOPD_PLUGIN
  info.target_schema = pod_sandbox_target_schema();
  info.options_schema = pod_sandbox_options_schema();
  info.selector_schema = pod_sandbox_selector_schema();
  // A sandbox stop tears down a network namespace and CNI state; the runtime serialises much of
  // that, so more in parallel only queues inside it.
  info.default_concurrency = 32;
  return info;
}

void PodSandboxProvider::start_stop(std::string id, std::shared_ptr<sdk::StopContext> context) {
  start_pod_sandbox_stop(client_, std::move(id), std::move(context));
}

sdk::Inspection PodSandboxProvider::inspect(const nlohmann::json& target) {
  const std::string id = id_of(target);
  v1::PodSandboxStatusRequest request;
  request.set_pod_sandbox_id(id);
  v1::PodSandboxStatusResponse response;
  const auto status = client_->call(request, &response);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return absent(target, id);
  if (!status.ok()) throw_for(status, "PodSandboxStatus " + id, client_->endpoint());
  const auto& sandbox = response.status();
  sdk::Inspection inspection;
  inspection.facts = sandbox_facts(sandbox);
  inspection.state = sandbox.state() == v1::SANDBOX_READY ? sdk::Inspection::State::running
                                                          : sdk::Inspection::State::stopped;
  inspection.summary = "pod sandbox " + sandbox.metadata().namespace_() + "/" +
                       sandbox.metadata().name() + " " + sandbox.id() + ", " +
                       sandbox_state_name(sandbox.state());
  return inspection;
}

std::vector<nlohmann::json> PodSandboxProvider::list(const nlohmann::json& selector) {
  return list_pod_sandboxes(*client_, pod_sandbox_selector_fields().parse(selector, "selector"));
}

}  // namespace stopd::cri
