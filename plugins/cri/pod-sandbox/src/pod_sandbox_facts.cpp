#include "pod_sandbox_facts.hpp"

namespace stopd::cri {

std::string sandbox_state_name(v1::PodSandboxState state) {
  return state == v1::SANDBOX_READY ? "ready" : "notready";
}

std::vector<std::string> sandbox_ips(const v1::PodSandboxStatus& status) {
  std::vector<std::string> ips;
  if (!status.network().ip().empty()) ips.push_back(status.network().ip());
  for (const auto& additional : status.network().additional_ips())
    if (!additional.ip().empty()) ips.push_back(additional.ip());
  return ips;
}

nlohmann::json sandbox_facts(const v1::PodSandboxStatus& status) {
  return {{"pod_sandbox_id", status.id()},
          {"name", status.metadata().name()},
          {"namespace", status.metadata().namespace_()},
          {"state", sandbox_state_name(status.state())},
          {"ips", sandbox_ips(status)}};
}

}  // namespace stopd::cri
