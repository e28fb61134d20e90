// A container's CRI status as outcome details and inspection facts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "stopd/cri/cri_client.hpp"

namespace stopd::cri {

// "running", "exited", "created", "unknown".
std::string state_name(v1::ContainerState state);

// The runtime kills with SIGKILL once the grace is out: exit code 128 + 9. An OOM kill shows the
// same code but is the kernel's doing, not the stop's.
bool was_killed(const v1::ContainerStatus& status);

// {container_id, name, state, exit_code, started_at, finished_at, reason} (times and exit facts
// only when the runtime set them).
nlohmann::json container_facts(const v1::ContainerStatus& status);

}  // namespace stopd::cri
