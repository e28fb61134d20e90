#include "fgs_api.hpp"

#include "stopd/huaweicloud/url_path.hpp"

namespace stopd::huaweicloud::fgs {

std::string ExecutionRef::describe() const {
  return "execution " + execution_urn;
}

nlohmann::json stop_body(const ExecutionRef& execution) {
  return {{"action_type", "stop"}, {"executions", {{"execution_urn", execution.execution_urn}}}};
}

ApiRequest stop_execution_request(const ExecutionRef& execution) {
  ApiRequest request;
  request.method = "POST";
  request.path = build_path(
      {"v1.0", execution.project_id, "cloud_graphs", execution.graph_urn, "executions", "action"});
  request.json_body = stop_body(execution).dump();
  return request;
}

std::optional<std::string> stopped_at(const ApiResponse& response) {
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object()) return std::nullopt;
  // An execution that ended without a stop is answered with an empty stopped_at.
  if (auto it = body.find("stopped_at");
      it != body.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
    return it->get<std::string>();
  return std::nullopt;
}

}  // namespace stopd::huaweicloud::fgs
