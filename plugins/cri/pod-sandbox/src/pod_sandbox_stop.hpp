// One cri.pod_sandbox stop, as a chain of asynchronous CRI calls:
//   PodSandboxStatus + ListContainers (record IPs and running members)
//   → graceful: StopContainer(grace) for each running member, in parallel
//   → StopPodSandbox → PodSandboxStatus + ListContainers (verify) → complete().
// Nothing waits on a thread; the context's change callback skips the rest of the grace once force
// is due and cancels the calls in flight when the stop is withdrawn.
#pragma once

#include <memory>
#include <string>

#include "stopd/cri/cri_client.hpp"
#include "stopd/sdk/context.hpp"

namespace stopd::cri {

void start_pod_sandbox_stop(std::shared_ptr<const CriClient> client, std::string pod_sandbox_id,
                            std::shared_ptr<sdk::StopContext> context);

}  // namespace stopd::cri
