// A pod sandbox's CRI status as outcome details and inspection facts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "stopd/cri/cri_client.hpp"

namespace stopd::cri {

// "ready" or "notready".
std::string sandbox_state_name(v1::PodSandboxState state);

// The sandbox's IPs: the primary one, then the additional ones.
std::vector<std::string> sandbox_ips(const v1::PodSandboxStatus& status);

// {pod_sandbox_id, name, namespace, state, ips}.
nlohmann::json sandbox_facts(const v1::PodSandboxStatus& status);

}  // namespace stopd::cri
