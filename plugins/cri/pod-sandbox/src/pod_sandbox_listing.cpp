#include "pod_sandbox_listing.hpp"

#include <string>

#include "stopd/cri/status_mapping.hpp"

namespace stopd::cri {

std::vector<nlohmann::json> list_pod_sandboxes(const CriClient& client,
                                               const PodSandboxSelector& selector) {
  v1::ListPodSandboxRequest request;
  auto& filter = *request.mutable_filter();
  const std::string state = selector.state.value_or("ready");
  if (state == "ready") filter.mutable_state()->set_state(v1::SANDBOX_READY);
  if (state == "notready") filter.mutable_state()->set_state(v1::SANDBOX_NOTREADY);
  if (selector.labels)
    for (const auto& [key, value] : *selector.labels)
      (*filter.mutable_label_selector())[key] = value;

  v1::ListPodSandboxResponse response;
  if (const auto status = client.call(request, &response); !status.ok())
    throw_for(status, "ListPodSandbox", client.endpoint());

  std::vector<nlohmann::json> targets;
  for (const auto& pod : response.items()) {
    if (selector.pod_name && pod.metadata().name() != *selector.pod_name) continue;
    if (selector.pod_namespace && pod.metadata().namespace_() != *selector.pod_namespace) continue;
    targets.push_back({{"pod_sandbox_id", pod.id()}});
  }
  return targets;
}

}  // namespace stopd::cri
