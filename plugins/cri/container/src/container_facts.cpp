#include "container_facts.hpp"

#include <csignal>

#include "stopd/cri/cri_time.hpp"

namespace stopd::cri {

std::string state_name(v1::ContainerState state) {
  switch (state) {
    case v1::CONTAINER_CREATED:
      return "created";
    case v1::CONTAINER_RUNNING:
      return "running";
    case v1::CONTAINER_EXITED:
      return "exited";
    default:
      return "unknown";
  }
}

bool was_killed(const v1::ContainerStatus& status) {
  return status.state() == v1::CONTAINER_EXITED && status.exit_code() == 128 + SIGKILL &&
         status.reason() != "OOMKilled";
}

nlohmann::json container_facts(const v1::ContainerStatus& status) {
  nlohmann::json facts = {{"container_id", status.id()},
                          {"name", status.metadata().name()},
                          {"state", state_name(status.state())}};
  if (status.started_at() > 0) facts["started_at"] = rfc3339_from_nanoseconds(status.started_at());
  if (status.state() == v1::CONTAINER_EXITED) {
    facts["exit_code"] = status.exit_code();
    if (status.finished_at() > 0)
      facts["finished_at"] = rfc3339_from_nanoseconds(status.finished_at());
    if (!status.reason().empty()) facts["reason"] = status.reason();
  }
  return facts;
}

}  // namespace stopd::cri
