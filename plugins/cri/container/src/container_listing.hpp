// cri.container's list(): a selector (labels, pod name, namespace, sandbox, name, state) turned
// into one ListContainers call, narrowed by the pod's metadata when the selector names a pod.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "container_schemas.hpp"
#include "stopd/cri/cri_client.hpp"

namespace stopd::cri {

// [{"container_id": …}, …] in the runtime's order. Throws sdk::StopError when a call fails.
std::vector<nlohmann::json> list_containers(const CriClient& client,
                                            const ContainerSelector& selector);

}  // namespace stopd::cri
