// cri.pod_sandbox's list(): a selector (labels, pod name, namespace, state) turned into one
// ListPodSandbox call, narrowed by the pod's metadata.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "pod_sandbox_schemas.hpp"
#include "stopd/cri/cri_client.hpp"

namespace stopd::cri {

// [{"pod_sandbox_id": …}, …] in the runtime's order. Throws sdk::StopError when the call fails.
std::vector<nlohmann::json> list_pod_sandboxes(const CriClient& client,
                                               const PodSandboxSelector& selector);

}  // namespace stopd::cri
