// list(): the processes a selector matches, each as a target that stop() accepts, pinned by
// start_time so a later stop cannot hit a process that took over the pid in between.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

namespace stopd::process {

// {"cgroup": path} | {"pgid": N} | {"comm": name}. Throws StopError: invalid_argument (naming the
// field), not_found (no such cgroup), permission_denied, internal.
std::vector<nlohmann::json> list_matching(const nlohmann::json& selector);

}  // namespace stopd::process
