// CDM: GET /v1.1/{project_id}/clusters/{cluster_id} and
// POST /v1.1/{project_id}/clusters/{cluster_id}/action {"stop": {"stopMode", "delayTime"}}.
#include "api_router.hpp"
#include "cloud_state.hpp"

namespace stopd::hwemu {
namespace {

const char* status_detail(int status) {
  switch (status) {
    case 200:
      return "Normal";
    case 900:
      return "Stopped";
    case 910:
      return "Stopping";
    case 800:
      return "Frozen";
    default:
      return "Other";
  }
}

ApiReply cluster_not_found(const std::string& id) {
  return service_error(Service::cdm, 404, "Cdm.0015", "The cluster " + id + " does not exist.");
}

ApiReply bad_request(std::string message) {
  return service_error(Service::cdm, 400, "Cdm.0100", std::move(message));
}

ApiReply show_cluster(CloudState& state, const ApiCall& call) {
  const auto cluster = state.cluster(call.params[0], call.params[1]);
  if (!cluster) return cluster_not_found(call.params[1]);
  return ok({{"id", cluster->id},
             {"name", cluster->name},
             {"status", std::to_string(cluster->status)},  // CDM sends it as a string
             {"statusDetail", status_detail(cluster->status)},
             {"isFrozen", "0"},
             {"actionProgress", nlohmann::json::object()}});
}

ApiReply stop_cluster(CloudState& state, const ApiCall& call) {
  const auto body = nlohmann::json::parse(call.body, nullptr, false);
  if (body.is_discarded()) return bad_request("The request body is not valid JSON.");
  if (!body.is_object() || !body.contains("stop") || !body["stop"].is_object())
    return bad_request("The request body must be {\"stop\": {…}}.");
  const auto& stop = body["stop"];
  std::string mode = "IMMEDIATELY";
  if (auto it = stop.find("stopMode"); it != stop.end()) {
    if (!it->is_string()) return bad_request("stopMode must be a string.");
    mode = it->get<std::string>();
  }
  if (mode != "IMMEDIATELY" && mode != "GRACEFULLY")
    return bad_request("Invalid stopMode '" + mode + "': expected IMMEDIATELY or GRACEFULLY.");
  int delay = -1;
  if (auto it = stop.find("delayTime"); it != stop.end()) {
    if (!it->is_number_integer()) return bad_request("delayTime must be an integer.");
    delay = it->get<int>();
    if (delay == 0 || delay < -1)
      return bad_request("Invalid delayTime " + std::to_string(delay) +
                         ": expected -1 (after the jobs) or a number of seconds > 0.");
  }
  if (call.caller.read_only)
    return service_error(Service::cdm, 403, "Cdm.0004", "No permission to stop the cluster.");
  const auto result =
      state.stop_cluster(call.params[0], call.params[1], mode == "IMMEDIATELY", delay);
  switch (result.result) {
    case CloudState::ClusterStop::Result::not_found:
      return cluster_not_found(call.params[1]);
    case CloudState::ClusterStop::Result::refused:
      return bad_request(result.message);
    case CloudState::ClusterStop::Result::accepted:
      break;
  }
  return ok({{"jobId", result.job_ids}});
}

}  // namespace

std::vector<Route> cdm_routes(CloudState& state) {
  return {
      {"GET",
       {"v1.1", "*", "clusters", "*"},
       Service::cdm,
       [&state](const ApiCall& call) { return show_cluster(state, call); }},
      {"POST",
       {"v1.1", "*", "clusters", "*", "action"},
       Service::cdm,
       [&state](const ApiCall& call) { return stop_cluster(state, call); }},
  };
}

}  // namespace stopd::hwemu
