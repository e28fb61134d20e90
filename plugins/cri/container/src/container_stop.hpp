// One cri.container stop, as a chain of asynchronous CRI calls:
//   ContainerStatus → (running) StopContainer(timeout) → ContainerStatus → complete().
// Each step is started from the previous one's completion on a gRPC thread; nothing waits. The
// context's change callback escalates an in-flight graceful stop (a second StopContainer with
// timeout 0 once force is due) and cancels the calls in flight when the stop is withdrawn.
#pragma once

#include <memory>
#include <string>

#include "stopd/cri/cri_client.hpp"
#include "stopd/sdk/context.hpp"

namespace stopd::cri {

void start_container_stop(std::shared_ptr<const CriClient> client, std::string container_id,
                          std::shared_ptr<sdk::StopContext> context);

}  // namespace stopd::cri
