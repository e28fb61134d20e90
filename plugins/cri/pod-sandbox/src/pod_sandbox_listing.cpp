#include "pod_sandbox_listing.hpp"

#include <string>

#include "stopd/cri/status_mapping.hpp"

namespace stopd::cri {

std::vector<nlohmann::json> list_pod_sandboxes(const CriClient& client,
                                               const nlohmann::json& selector) {
  v1::ListPodSandboxRequest request;
  auto& filter = *request.mutable_filter();
  const std::string state = selector.value("state", std::string("ready"));
  if (state == "ready") filter.mutable_state()->set_state(v1::SANDBOX_READY);
  if (state == "notready") filter.mutable_state()->set_state(v1::SANDBOX_NOTREADY);
  if (const auto labels = selector.find("labels"); labels != selector.end())
    for (const auto& [key, value] : labels->items())
      (*filter.mutable_label_selector())[key] = value.get<std::string>();

  v1::ListPodSandboxResponse response;
  if (const auto status = client.call(request, &response); !status.ok())
    throw_for(status, "ListPodSandbox", client.endpoint());

  std::vector<nlohmann::json> targets;
  for (const auto& pod : response.items()) {
    if (selector.contains("pod_name") && pod.metadata().name() != selector["pod_name"]) continue;
    if (selector.contains("namespace") && pod.metadata().namespace_() != selector["namespace"])
      continue;
    targets.push_back({{"pod_sandbox_id", pod.id()}});
  }
  return targets;
}

}  // namespace stopd::cri
