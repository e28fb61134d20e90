#include "dlf_api.hpp"

#include "stopd/huaweicloud/url_path.hpp"

namespace stopd::huaweicloud::dlf {
namespace {

ApiRequest with_workspace(ApiRequest request, const InstanceRef& instance) {
  if (instance.workspace) request.headers.emplace_back("workspace", *instance.workspace);
  return request;
}

}  // namespace

std::string InstanceRef::describe() const {
  std::string text = "instance " + instance_id + " of script " + script_name;
  if (workspace) text += " (workspace " + *workspace + ")";
  return text;
}

ApiRequest get_instance_request(const InstanceRef& instance) {
  ApiRequest request;
  request.method = "GET";
  request.path = build_path({"v1", instance.project_id, "scripts", instance.script_name,
                             "instances", instance.instance_id});
  return with_workspace(std::move(request), instance);
}

ApiRequest stop_instance_request(const InstanceRef& instance) {
  ApiRequest request;
  request.method = "POST";
  request.path = build_path({"v1", instance.project_id, "scripts", instance.script_name,
                             "instances", instance.instance_id, "stop"});
  return with_workspace(std::move(request), instance);
}

std::optional<std::string> instance_status(const ApiResponse& response) {
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object()) return std::nullopt;
  if (auto it = body.find("status"); it != body.end() && it->is_string())
    return it->get<std::string>();
  return std::nullopt;
}

bool has_ended(const std::string& status) {
  return status == "FINISHED" || status == "FAILED";
}

}  // namespace stopd::huaweicloud::dlf
