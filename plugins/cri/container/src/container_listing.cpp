#include "container_listing.hpp"

#include <set>
#include <string>

#include "stopd/cri/status_mapping.hpp"

namespace stopd::cri {
namespace {

using nlohmann::json;

std::optional<v1::ContainerState> wanted_state(const ContainerSelector& selector) {
  const std::string state = selector.state.value_or("running");
  if (state == "running") return v1::CONTAINER_RUNNING;
  if (state == "exited") return v1::CONTAINER_EXITED;
  if (state == "created") return v1::CONTAINER_CREATED;
  if (state == "unknown") return v1::CONTAINER_UNKNOWN;
  return std::nullopt;  // "any"
}

// The ids of the sandboxes whose metadata matches the selector's pod_name and namespace.
std::set<std::string> matching_pods(const CriClient& client, const ContainerSelector& selector) {
  v1::ListPodSandboxRequest request;
  v1::ListPodSandboxResponse response;
  if (const auto status = client.call(request, &response); !status.ok())
    throw_for(status, "ListPodSandbox", client.endpoint());
  std::set<std::string> ids;
  for (const auto& pod : response.items()) {
    if (selector.pod_name && pod.metadata().name() != *selector.pod_name) continue;
    if (selector.pod_namespace && pod.metadata().namespace_() != *selector.pod_namespace) continue;
    ids.insert(pod.id());
  }
  return ids;
}

}  // namespace

std::vector<json> list_containers(const CriClient& client, const ContainerSelector& selector) {
  const bool by_pod = selector.pod_name || selector.pod_namespace;
  std::set<std::string> pods;
  if (by_pod) {
    pods = matching_pods(client, selector);
    if (pods.empty()) return {};
  }

  v1::ListContainersRequest request;
  auto& filter = *request.mutable_filter();
  if (const auto state = wanted_state(selector)) filter.mutable_state()->set_state(*state);
  if (selector.pod_sandbox_id) filter.set_pod_sandbox_id(*selector.pod_sandbox_id);
  if (selector.labels)
    for (const auto& [key, value] : *selector.labels)
      (*filter.mutable_label_selector())[key] = value;

  v1::ListContainersResponse response;
  if (const auto status = client.call(request, &response); !status.ok())
    throw_for(status, "ListContainers", client.endpoint());

  std::vector<json> targets;
  for (const auto& container : response.containers()) {
    if (by_pod && !pods.contains(container.pod_sandbox_id())) continue;
    if (selector.name && container.metadata().name() != *selector.name) continue;
    targets.push_back({{"container_id", container.id()}});
  }
  return targets;
}

}  // namespace stopd::cri
