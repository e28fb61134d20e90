#include "stopd/cri/container_provider.hpp"

#include "container_facts.hpp"
#include "container_listing.hpp"
#include "container_schemas.hpp"
#include "container_stop.hpp"
#include "stopd/cri/cri_client.hpp"
#include "stopd/cri/status_mapping.hpp"

namespace stopd::cri {

ContainerProvider::ContainerProvider(const sdk::ProviderConfig& config)
    : CriProvider(config, container_target_fields(), "container") {}

ContainerProvider::~ContainerProvider() = default;

sdk::ProviderInfo ContainerProvider::info() const {
  sdk::ProviderInfo info;  // name, version and capabilities: from STOPD_PLUGIN
  info.target_schema = container_target_schema();
  info.options_schema = container_options_schema();
  info.selector_schema = container_selector_schema();
  // Each stop is a handful of small calls on one shared connection; the runtime is the limit.
  info.default_concurrency = 256;
  return info;
}

void ContainerProvider::start_stop(std::string id, std::shared_ptr<sdk::StopContext> context) {
  start_container_stop(client_, std::move(id), std::move(context));
}

sdk::Inspection ContainerProvider::inspect(const nlohmann::json& target) {
  const std::string id = id_of(target);
  v1::ContainerStatusRequest request;
  request.set_container_id(id);
  v1::ContainerStatusResponse response;
  const auto status = client_->call(request, &response);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return absent(target, id);
  if (!status.ok()) throw_for(status, "ContainerStatus " + id, client_->endpoint());
  const auto& container = response.status();
  sdk::Inspection inspection;
  inspection.facts = container_facts(container);
  const bool running =
      container.state() == v1::CONTAINER_RUNNING || container.state() == v1::CONTAINER_UNKNOWN;
  inspection.state = running ? sdk::Inspection::State::running : sdk::Inspection::State::stopped;
  const std::string name = container.metadata().name();
  inspection.summary = "container " +
                       (name.empty() ? container.id() : name + " " + container.id()) + ", " +
                       state_name(container.state());
  return inspection;
}

std::vector<nlohmann::json> ContainerProvider::list(const nlohmann::json& selector) {
  return list_containers(*client_, container_selector_fields().parse(selector, "selector"));
}

}  // namespace stopd::cri
