#include "cdm_api.hpp"

#include <charconv>

#include "stopd/huaweicloud/url_path.hpp"

namespace stopd::huaweicloud::cdm {

std::string ClusterRef::describe() const {
  return "cluster " + cluster_id + " of project " + project_id;
}

nlohmann::json StopMode::body() const {
  if (immediately) return {{"stop", {{"stopMode", "IMMEDIATELY"}}}};
  return {{"stop", {{"stopMode", "GRACEFULLY"}, {"delayTime", delay_seconds}}}};
}

nlohmann::json StopMode::facts() const {
  if (immediately) return {{"stop_mode", "IMMEDIATELY"}};
  return {{"stop_mode", "GRACEFULLY"}, {"delay_time", delay_seconds}};
}

ApiRequest get_cluster_request(const ClusterRef& cluster) {
  ApiRequest request;
  request.method = "GET";
  request.path = build_path({"v1.1", cluster.project_id, "clusters", cluster.cluster_id});
  return request;
}

ApiRequest stop_cluster_request(const ClusterRef& cluster, const StopMode& mode) {
  ApiRequest request;
  request.method = "POST";
  request.path = build_path({"v1.1", cluster.project_id, "clusters", cluster.cluster_id, "action"});
  request.json_body = mode.body().dump();
  return request;
}

std::optional<int> cluster_status(const ApiResponse& response) {
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("status")) return std::nullopt;
  const auto& status = body["status"];
  if (status.is_number_integer()) return status.get<int>();
  if (!status.is_string()) return std::nullopt;
  const auto& text = status.get_ref<const std::string&>();  // CDM sends it as a string
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string describe_status(int status) {
  const char* meaning = "unknown";
  switch (status) {
    case 100:
      meaning = "creating";
      break;
    case 200:
      meaning = "normal";
      break;
    case 300:
      meaning = "failed";
      break;
    case 303:
      meaning = "creation failed";
      break;
    case 800:
      meaning = "frozen";
      break;
    case kStatusStopped:
      meaning = "stopped";
      break;
    case kStatusStopping:
      meaning = "stopping";
      break;
    case 920:
      meaning = "starting";
      break;
    default:
      break;
  }
  return std::to_string(status) + " (" + meaning + ")";
}

std::vector<std::string> job_ids(const ApiResponse& response) {
  std::vector<std::string> ids;
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object()) return ids;
  if (auto it = body.find("jobId"); it != body.end() && it->is_array())
    for (const auto& id : *it)
      if (id.is_string()) ids.push_back(id.get<std::string>());
  return ids;
}

}  // namespace stopd::huaweicloud::cdm
